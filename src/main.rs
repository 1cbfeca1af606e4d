use iotmi_onboard::cli::{Cli, Command, GlobalArgs};

fn main() {
    let cli = Cli::parse_args();
    // One logging set-up for every command; nothing is logged without --log-file.
    let log = cli.log();
    // A refused --log-file is a usage error: reported before anything runs.
    if let Err(refused) = iotmi_onboard::logging::init(log.log_file.as_deref(), log.log_level) {
        eprintln!("iotmi-onboard: {refused}");
        std::process::exit(iotmi_core::exit::USAGE);
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
            Some(Command::Simulator(simulator)) => {
                iotmi_simulator::run_foreground(simulator.config)
                    .await
                    .map(|()| 0)
            }
            Some(Command::Demo(demo)) => {
                let global = GlobalArgs {
                    output: demo.output.output,
                    plain: demo.plain.plain,
                };
                let config = demo.sim_config();
                let autoplay = demo.autoplay();
                iotmi_onboard::app::run_demo(demo.wizard, global, config, autoplay).await
            }
            None => {
                let global = GlobalArgs {
                    output: cli.output.output,
                    plain: cli.plain.plain,
                };
                iotmi_onboard::app::run_against_aws(cli.aws, global, cli.wizard).await
            }
            Some(command) => iotmi_onboard::commands::run(command).await,
        }
    });
    // Background tasks (in-flight SDK calls, a blocked stdin reader) must not hold the exit.
    runtime.shutdown_background();
    // A log that failed and was not reported on screen: said once, now that stderr is free.
    if let Some(message) = iotmi_onboard::logging::take_failure() {
        eprintln!("iotmi-onboard: {message}");
    }
    match result {
        Ok(code) => std::process::exit(code),
        Err(error) => {
            eprintln!("iotmi-onboard: {error:#}");
            let usage = error
                .downcast_ref::<iotmi_core::exit::UsageError>()
                .is_some();
            std::process::exit(if usage {
                iotmi_core::exit::USAGE
            } else {
                iotmi_core::exit::ERROR
            });
        }
    }
}
