use clap::{Parser, Subcommand};

#[derive(Parser, Debug)]
#[command(name = "iotmi-onboard", version, about)]
struct Cli {
    #[command(subcommand)]
    command: Option<Command>,
}

#[derive(Subcommand, Debug)]
enum Command {
    /// Run the embedded service simulator on 127.0.0.1 until Ctrl-C or SIGTERM.
    Simulator(iotmi_onboard::simulator::SimConfig),
}

fn main() -> anyhow::Result<()> {
    let cli = Cli::parse();
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()?;
    match cli.command {
        Some(Command::Simulator(config)) => runtime.block_on(iotmi_onboard::simulator::run_foreground(config)),
        None => anyhow::bail!("the wizard is not built yet"),
    }
}
