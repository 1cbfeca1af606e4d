// Puts the git commit of the checkout being built in `IOTMI_ONBOARD_COMMIT`, for `--version`.
// Outside a git checkout of this crate (a source tarball, `cargo package`, no git installed)
// it is "unknown": the build never fails for want of git. (Plain comments: the tests include
// this file as a module.)

use std::path::{Path, PathBuf};
use std::process::Command;

fn main() {
    let manifest_dir = PathBuf::from(std::env::var_os("CARGO_MANIFEST_DIR").unwrap_or_default());
    let commit = commit(&manifest_dir).unwrap_or_else(|| "unknown".into());
    println!("cargo:rustc-env=IOTMI_ONBOARD_COMMIT={commit}");
    println!("cargo:rerun-if-changed=build.rs");
}

fn git(dir: &Path, args: &[&str]) -> Option<String> {
    let out = Command::new("git")
        .arg("-C")
        .arg(dir)
        .args(args)
        .output()
        .ok()?;
    let text = String::from_utf8(out.stdout).ok()?;
    let text = text.trim();
    (out.status.success() && !text.is_empty()).then(|| text.to_owned())
}

fn commit(manifest_dir: &Path) -> Option<String> {
    // A tarball unpacked inside some other repository must not take that repository's commit.
    let top = PathBuf::from(git(manifest_dir, &["rev-parse", "--show-toplevel"])?);
    if top.canonicalize().ok()? != manifest_dir.canonicalize().ok()? {
        return None;
    }
    let commit = git(manifest_dir, &["rev-parse", "--short", "HEAD"])?;
    // Rebuild when HEAD moves: HEAD itself (a checkout) and the branch it names (a commit),
    // loose or packed. Only paths that exist: cargo reruns on every build for a missing one.
    // In a worktree HEAD is in its own git dir, branches in the common one.
    let git_dir = absolute(
        manifest_dir,
        git(manifest_dir, &["rev-parse", "--git-dir"])?,
    );
    let common_dir = git(manifest_dir, &["rev-parse", "--git-common-dir"])
        .map_or_else(|| git_dir.clone(), |dir| absolute(manifest_dir, dir));
    let mut watched = vec![git_dir.join("HEAD"), common_dir.join("packed-refs")];
    if let Some(branch) = git(manifest_dir, &["symbolic-ref", "-q", "HEAD"]) {
        watched.push(common_dir.join(branch));
    }
    for path in watched.iter().filter(|path| path.exists()) {
        println!("cargo:rerun-if-changed={}", path.display());
    }
    Some(commit)
}

fn absolute(base: &Path, path: String) -> PathBuf {
    let path = PathBuf::from(path);
    if path.is_absolute() {
        path
    } else {
        base.join(path)
    }
}
