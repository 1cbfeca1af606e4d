//! Step 3: tags, added one at a time or pasted as `k=v,k2=v2`.

use super::effect::Effect;
use super::intent::Intent;
use super::model::{Notice, Step, TagField, TagRow};
use super::pairs::{NOTHING_PASTED, split_pairs};
use super::{Flow, nav, validate};

pub fn on_intent(flow: &mut Flow, intent: Intent) -> Vec<Effect> {
    if flow.step != Step::Tags {
        return Vec::new();
    }
    match intent {
        Intent::SaveTag { index, key, value } => save(flow, index, key, value),
        Intent::RemoveTag(index) if index < flow.tags.rows.len() => {
            let removed = flow.tags.rows.remove(index);
            flow.tags.message = Some(Notice::Info(format!("Deleted tag '{}'", removed.key)));
        }
        Intent::ClearTags => {
            let removed = std::mem::take(&mut flow.tags.rows).len();
            flow.tags.message = Some(Notice::Info(format!(
                "Removed {removed} tag{}",
                if removed == 1 { "" } else { "s" }
            )));
        }
        Intent::PasteTags(text) => paste(flow, &text),
        Intent::OpenTagEditor { index } => {
            let tags = &mut flow.tags;
            tags.edit_error = None;
            if index.is_none() && tags.rows.len() >= validate::MAX_TAGS {
                // Said at once rather than after typing a tag that cannot be saved.
                tags.message = Some(Notice::Error(validate::tag_limit()));
                tags.editing = false;
            } else {
                tags.message = None;
                tags.editing = true;
            }
        }
        Intent::CloseTagEditor => {
            flow.tags.editing = false;
            flow.tags.edit_error = None;
        }
        Intent::TagTextChanged => flow.tags.edit_error = None,
        _ => {}
    }
    Vec::new()
}

pub fn next(flow: &mut Flow) -> Vec<Effect> {
    if let Some(problem) = validate::tags_errors(&flow.tag_pairs()).first() {
        flow.tags.message = Some(Notice::Error(problem.clone()));
        return Vec::new();
    }
    nav::forward(flow, Step::Tags)
}

/// What is wrong with the tag being typed (row `index`, or a new one), if anything: the field
/// at fault and why. Front ends show it while typing; SaveTag refuses with it.
pub fn problem(
    flow: &Flow,
    index: Option<usize>,
    key: &str,
    value: &str,
) -> Option<(TagField, String)> {
    let rows = &flow.tags.rows;
    if index.is_none() && rows.len() >= validate::MAX_TAGS {
        return Some((TagField::Key, validate::tag_limit()));
    }
    let key = key.trim();
    let duplicate = rows
        .iter()
        .enumerate()
        .any(|(i, r)| r.key == key && Some(i) != index);
    validate::tag_key_error(key)
        .or_else(|| duplicate.then(|| format!("tag key '{key}' is already used")))
        .map(|error| (TagField::Key, error))
        .or_else(|| validate::tag_value_error(value).map(|error| (TagField::Value, error)))
}

/// Adds (`index` None) or replaces a row; a refusal names the field at fault and keeps the
/// typed text with the front end.
fn save(flow: &mut Flow, index: Option<usize>, key: String, value: String) {
    if let Some(problem) = problem(flow, index, &key, &value) {
        flow.tags.edit_error = Some(problem);
        return;
    }
    let tags = &mut flow.tags;
    tags.edit_error = None;
    tags.message = None;
    tags.editing = false;
    let row = TagRow {
        key: key.trim().to_string(),
        value,
    };
    match index {
        Some(i) if i < tags.rows.len() => tags.rows[i] = row,
        _ => tags.rows.push(row),
    }
}

/// Adds pasted pairs all at once, or none of them with every reason at once.
fn paste(flow: &mut Flow, text: &str) {
    let tags = &mut flow.tags;
    let (pairs, mut problems) = split_pairs(text);
    let mut all: Vec<_> = tags
        .rows
        .iter()
        .map(|r| (r.key.clone(), r.value.clone()))
        .collect();
    all.extend(pairs.iter().cloned());
    problems.extend(validate::tags_errors(&all));
    if pairs.is_empty() && problems.is_empty() {
        problems.push(NOTHING_PASTED.into());
    }
    if !problems.is_empty() {
        tags.message = Some(Notice::Error(format!(
            "Nothing added: {}",
            problems.join("; ")
        )));
        return;
    }
    let added = pairs.len();
    tags.rows
        .extend(pairs.into_iter().map(|(key, value)| TagRow { key, value }));
    tags.edit_error = None;
    tags.message = Some(Notice::Info(format!(
        "Added {added} tag{}",
        if added == 1 { "" } else { "s" }
    )));
}

#[cfg(test)]
mod tests {
    use crate::flow::testing::*;
    use crate::flow::*;

    fn save(flow: &mut Flow, index: Option<usize>, key: &str, value: &str) {
        send(
            flow,
            Intent::SaveTag {
                index,
                key: key.into(),
                value: value.into(),
            },
        );
    }

    #[test]
    fn save_adds_edits_and_refuses_duplicates_naming_the_field() {
        let mut flow = flow_at(Step::Tags);
        save(&mut flow, None, "env", "prod");
        save(&mut flow, None, "site", "hq");
        assert_eq!(flow.tags.rows.len(), 2);
        save(&mut flow, None, "env", "dev");
        assert!(
            matches!(&flow.tags.edit_error, Some((TagField::Key, e)) if e.contains("already used"))
        );
        assert_eq!(flow.tags.rows.len(), 2);
        save(&mut flow, Some(1), "site", "branch");
        assert_eq!(flow.tags.edit_error, None);
        assert_eq!(flow.tags.rows[1].value, "branch");
        save(&mut flow, None, "k", &"v".repeat(300));
        assert!(matches!(flow.tags.edit_error, Some((TagField::Value, _))));
    }

    #[test]
    fn paste_is_all_or_nothing_and_remove_says_what_went() {
        let mut flow = flow_at(Step::Tags);
        send(&mut flow, Intent::PasteTags("a=1,b=2".into()));
        assert_eq!(flow.tags.rows.len(), 2);
        send(&mut flow, Intent::PasteTags("c=3,broken".into()));
        assert_eq!(flow.tags.rows.len(), 2);
        assert!(
            matches!(&flow.tags.message, Some(Notice::Error(e)) if e.starts_with("Nothing added"))
        );
        // Every bad pair at once, as `create` reports them.
        send(
            &mut flow,
            Intent::PasteTags("a=9,oops,x=\u{1b},c=ok".into()),
        );
        assert_eq!(
            flow.tags.message,
            Some(Notice::Error(
                "Nothing added: 'oops' is not KEY=VALUE; duplicate tag key 'a'; tag value: an \
                 invisible control character (shown as ␛) is not allowed"
                    .into()
            ))
        );
        send(&mut flow, Intent::RemoveTag(0));
        assert_eq!(flow.tag_pairs(), vec![("b".into(), "2".into())]);
        send(&mut flow, Intent::PasteTags("c=3".into()));
        send(&mut flow, Intent::ClearTags);
        assert!(flow.tags.rows.is_empty(), "clear removes every tag");
        assert_eq!(
            flow.tags.message,
            Some(Notice::Info("Removed 2 tags".into()))
        );
        send(&mut flow, Intent::Next);
        assert_eq!(flow.step, Step::Review);
    }
}
