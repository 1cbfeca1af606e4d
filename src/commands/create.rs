//! `iotmi-onboard create …`: the wizard's request from flags, through the flow
//! ([`super::script`]).

use super::script::{self, Plan};
use crate::cli::{CreateArgs, OutputFormat};
use crate::journal::JournalStore;
use crate::output::report_invalid;
use crate::session::Connection;
use iotmi_core::flow::{Options, TokenRule, validate};

pub async fn run(
    connection: &Connection,
    args: CreateArgs,
    output: OutputFormat,
) -> anyhow::Result<i32> {
    let draft = &args.draft;
    // Every bad field at once, by the wizard's own rules, before any call. Without --name, the
    // name is suggested from the destination (as the wizard does), so it is not "missing" here.
    let mut errors: Vec<(&str, String)> = validate::request_errors(
        draft.destination.as_deref().unwrap_or_default(),
        draft.name.as_deref().unwrap_or_default(),
        draft.description.as_deref().unwrap_or_default(),
        &draft.tags,
        draft.auth_material.as_deref(),
    )
    .into_iter()
    .filter(|e| draft.name.is_some() || e.field != "name")
    .map(|e| (e.field, e.message))
    .collect();
    if let Some(message) = args
        .client_token
        .as_deref()
        .and_then(validate::client_token_error)
    {
        errors.push(("client-token", message));
    }
    if !errors.is_empty() {
        return Ok(report_invalid(&errors));
    }
    if !args.new
        && let Some(held) = crate::session::same_request_elsewhere(connection, draft)
    {
        stderr_line!(
            "iotmi-onboard: {} Not creating a second association; pass --new to create one \
             anyway.",
            iotmi_core::flow::second_run_summary(&held)
        );
        return Ok(iotmi_core::exit::USAGE);
    }
    let token_rule = match args.client_token {
        Some(given) => TokenRule::Given(given),
        // Another association with the same destination and name: a token of its own.
        None if args.new => TokenRule::PerSession,
        None => match JournalStore::default_dir().map(JournalStore::new) {
            Some(store) => match crate::batches::account_seed(&store, &connection.journal_key) {
                Ok(seed) => TokenRule::Account { seed },
                Err(why) => {
                    stderr_line!("error: {}", iotmi_core::text::sanitize(&why));
                    return Ok(iotmi_core::exit::ERROR);
                }
            },
            None => {
                stderr_line!(
                    "warning: no state directory ($XDG_STATE_HOME or $HOME): this run's \
                     ClientToken is its own, so only a rerun given it (--client-token, printed \
                     below) returns the same association."
                );
                TokenRule::PerSession
            }
        },
    };
    let options = Options {
        token_rule,
        ..script::options(connection, draft.clone(), &args.browser, args.wait_timeout)
    };
    script::run(
        connection,
        Plan::Create { wait: args.wait },
        options,
        output,
    )
    .await
}
