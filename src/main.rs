use iotmi_onboard::cli::{Cli, Command};

fn main() {
    let cli = Cli::parse_args();
    // One logging set-up for every command; nothing is logged without --log-file.
    if let Err(error) =
        iotmi_onboard::logging::init(cli.global.log_file.as_deref(), cli.global.log_level)
    {
        eprintln!("iotmi-onboard: cannot open the log file: {error:#}");
        std::process::exit(1);
    }
    let runtime = match tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
    {
        Ok(runtime) => runtime,
        Err(error) => {
            eprintln!("iotmi-onboard: cannot start the async runtime: {error}");
            std::process::exit(1);
        }
    };
    let result = runtime.block_on(async {
        match cli.command {
            Some(Command::Simulator(config)) => iotmi_onboard::simulator::run_foreground(config)
                .await
                .map(|()| 0),
            Some(Command::Demo(demo)) => {
                iotmi_onboard::app::run_demo(demo.wizard, cli.global, demo.approve_after_ms).await
            }
            None => iotmi_onboard::app::run_against_aws(cli.aws, cli.global, cli.wizard).await,
            Some(command) => iotmi_onboard::commands::run(command, cli.aws, cli.global).await,
        }
    });
    // Background tasks (in-flight SDK calls, a blocked stdin reader) must not hold the exit.
    runtime.shutdown_background();
    match result {
        Ok(code) => std::process::exit(code),
        Err(error) => {
            eprintln!("iotmi-onboard: {error:#}");
            std::process::exit(1);
        }
    }
}
