//! `iotmi-onboard status ID [--wait]`, through the flow ([`crate::scripted`]).

use crate::app::Connection;
use crate::cli::{BrowserArgs, OutputFormat, StatusArgs};
use crate::flow::Prefill;
use crate::scripted::{self, Plan};

pub async fn run(
    connection: &Connection,
    args: StatusArgs,
    output: OutputFormat,
) -> anyhow::Result<i32> {
    // Looking is not consenting: no browser.
    let browser = BrowserArgs {
        no_browser: true,
        browser_command: None,
    };
    let options = scripted::options(
        connection,
        Prefill::default(),
        &browser,
        args.wait_timeout,
        None,
    );
    let plan = Plan::Status {
        id: args.id,
        wait: args.wait,
    };
    scripted::run(connection, plan, options, output).await
}
