//! `iotmi-onboard man`: one man page made from the CLI definition (the same as `--help`), so it
//! cannot drift from the flags. clap_mangen writes a page per command and the main page only
//! points at the others; here each command gets its own section of the one page instead, so a
//! single `iotmi-onboard man > …/man1/iotmi-onboard.1` installs everything.

use std::io::{self, Write};

use clap::CommandFactory;
use clap_mangen::Man;

use crate::cli::Cli;

/// Writes the page (roff) to `out`.
pub fn render(out: &mut dyn Write) -> io::Result<()> {
    let mut cli = Cli::command();
    // Built, every command knows its full name (`iotmi-onboard demo`) for its synopsis.
    cli.build();
    let main = Man::new(cli.clone());
    main.render_title(out)?;
    main.render_name_section(out)?;
    main.render_synopsis_section(out)?;
    main.render_description_section(out)?;
    main.render_options_section(out)?;
    let commands: Vec<_> = cli
        .get_subcommands()
        .filter(|c| !c.is_hide_set() && c.get_name() != "help")
        .collect();
    writeln!(out, ".SH COMMANDS")?;
    for command in &commands {
        writeln!(out, ".TP\n\\fB{}\\fR", command.get_name())?;
        writeln!(out, "{}", escape(&about(command)))?;
    }
    examples(&main, out)?;
    for command in commands {
        let name = command
            .get_bin_name()
            .unwrap_or_else(|| command.get_name())
            .to_uppercase();
        writeln!(out, ".SH \"{}\"", name)?;
        writeln!(out, "{}", escape(&about(command)))?;
        let page = Man::new(command.clone());
        let mut body = Vec::new();
        page.render_synopsis_section(&mut body)?;
        page.render_options_section(&mut body)?;
        if command.get_after_help().is_some() {
            examples(&page, &mut body)?;
        }
        // The command's own sections become subsections of its section.
        for line in String::from_utf8_lossy(&body).lines() {
            match line.strip_prefix(".SH ") {
                Some(heading) => writeln!(out, ".SS {heading}")?,
                None => writeln!(out, "{line}")?,
            }
        }
    }
    main.render_version_section(out)
}

fn about(command: &clap::Command) -> String {
    command
        .get_about()
        .map(ToString::to_string)
        .unwrap_or_default()
}

/// clap_mangen calls the after-help section EXTRA; ours holds examples.
fn examples(page: &Man, out: &mut dyn Write) -> io::Result<()> {
    let mut section = Vec::new();
    page.render_extra_section(&mut section)?;
    let text = String::from_utf8_lossy(&section).replacen(".SH EXTRA", ".SH EXAMPLES", 1);
    out.write_all(text.as_bytes())
}

/// A line of text for roff: backslashes doubled, a leading `.` or `'` made inert.
fn escape(text: &str) -> String {
    let text = text.replace('\\', "\\e").replace('-', "\\-");
    if text.starts_with(['.', '\'']) {
        format!("\\&{text}")
    } else {
        text
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn page() -> String {
        let mut out = Vec::new();
        render(&mut out).expect("renders");
        String::from_utf8(out).expect("utf-8")
    }

    #[test]
    fn a_command_has_its_section_with_its_options() {
        let page = page();
        let titles = page.lines().filter(|l| l.starts_with(".TH ")).count();
        assert_eq!(titles, 1, "{page}");
        assert!(page.contains("\n.SH \"IOTMI-ONBOARD DEMO\"\n"), "{page}");
        // Options of a command, under its section; nothing points at pages that do not exist.
        let demo = page.split(".SH \"IOTMI-ONBOARD DEMO\"").nth(1).unwrap();
        let demo = demo.split("\n.SH ").next().unwrap();
        assert!(demo.contains("\\-\\-pace"), "{demo}");
        assert!(!page.contains("iotmi\\-onboard\\-demo(1)"), "{page}");
        assert!(page.contains(".SH EXAMPLES") && !page.contains(".SH EXTRA"));
    }

    #[test]
    fn escape_makes_text_inert() {
        assert_eq!(escape(".TH x"), "\\&.TH x");
        assert_eq!(escape("a\\b-c"), "a\\eb\\-c");
    }
}
