//! `iotmi-onboard status ID [--wait]`.

use std::time::Duration;

use super::wait::{WaitEnd, wait_final};
use super::{AssociationRecord, exit, print_record, report};
use crate::app::Connection;
use crate::cli::{OutputFormat, StatusArgs};
use crate::service::{Association, AssociationState, logged};

pub async fn run(
    connection: &Connection,
    args: StatusArgs,
    output: OutputFormat,
) -> anyhow::Result<i32> {
    let association = match logged(
        "GetAccountAssociation",
        connection.service.get_association(args.id).await,
    ) {
        Ok(association) => association,
        Err(error) => return Ok(report(&error, connection)),
    };
    if args.wait {
        wait_and_print(connection, association, args.wait_timeout, output, None).await
    } else {
        print_record(&AssociationRecord::full(&association), output)?;
        Ok(code_for(&association))
    }
}

/// Waits for a final state, then prints the association (stdout) and returns its exit status.
pub(super) async fn wait_and_print(
    connection: &Connection,
    association: Association,
    timeout: Duration,
    output: OutputFormat,
    client_token: Option<&str>,
) -> anyhow::Result<i32> {
    let (association, timed_out) =
        match wait_final(connection.service.as_ref(), association, timeout).await {
            Ok(WaitEnd::Final(association)) => (association, false),
            Ok(WaitEnd::TimedOut(association)) => (association, true),
            Err(error) => return Ok(report(&error, connection)),
        };
    let mut record = AssociationRecord::full(&association);
    record.client_token = client_token.map(str::to_owned);
    print_record(&record, output)?;
    if timed_out {
        eprintln!(
            "Still in progress. Check later: iotmi-onboard status {} --wait",
            association.id
        );
        return Ok(exit::TIMED_OUT);
    }
    Ok(code_for(&association))
}

/// 3 for an association that failed (with its ErrorMessage on stderr), else 0.
pub(super) fn code_for(association: &Association) -> i32 {
    match association.state {
        AssociationState::Failed => {
            eprintln!(
                "The association failed: {}",
                association
                    .error_message
                    .as_deref()
                    .unwrap_or("(no error message)")
            );
            exit::FAILED
        }
        AssociationState::RefreshTokenExpired => {
            eprintln!(
                "The refresh token expired: run `iotmi-onboard refresh {}` and approve again.",
                association.id
            );
            exit::FAILED
        }
        _ => exit::OK,
    }
}
