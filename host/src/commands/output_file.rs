//! A file the user names for a command's output (`pull -o`, `catalog build -o`), written as
//! `cp` or `curl -o` would leave it: through a symbolic link into its target; into a device
//! or FIFO directly (`-o /dev/null` must not replace the device); a regular file replaced
//! whole or not at all, keeping its mode, and a new one created with the umask's; `-` for
//! stdout.

use anyhow::Context;
use std::io::Write;
use std::os::unix::fs::PermissionsExt;
use std::path::{Path, PathBuf};

pub fn write(path: &Path, bytes: &[u8]) -> anyhow::Result<()> {
    if path.as_os_str() == "-" {
        return super::write_stdout(bytes);
    }
    let path = follow_links(path)?;
    let cannot = || format!("cannot write {}", path.display());
    match std::fs::metadata(&path) {
        Ok(meta) if meta.is_dir() => {
            anyhow::bail!("{} is a directory: name a file to write", path.display())
        }
        Ok(meta) if meta.is_file() => replace(&path, bytes, Some(meta.permissions())),
        // A device, a FIFO or a socket: written into, as it is.
        Ok(_) => std::fs::OpenOptions::new()
            .write(true)
            .open(&path)
            .and_then(|mut file| file.write_all(bytes))
            .with_context(cannot),
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => replace(&path, bytes, None),
        Err(e) => Err(e).with_context(cannot),
    }
}

/// Writes beside `path` and renames onto it, so a reader never sees half a file: with
/// `permissions` (the file's), or for a new file the mode the umask leaves of 0666.
fn replace(
    path: &Path,
    bytes: &[u8],
    permissions: Option<std::fs::Permissions>,
) -> anyhow::Result<()> {
    let dir = match path.parent() {
        Some(dir) if !dir.as_os_str().is_empty() => dir,
        _ => Path::new("."),
    };
    std::fs::create_dir_all(dir).with_context(|| format!("cannot create {}", dir.display()))?;
    let mut temp = tempfile::Builder::new()
        .prefix(".krmwasm-")
        .permissions(std::fs::Permissions::from_mode(0o666))
        .tempfile_in(dir)
        .with_context(|| format!("cannot write in {}", dir.display()))?;
    if let Some(permissions) = permissions {
        temp.as_file()
            .set_permissions(permissions)
            .with_context(|| format!("cannot set the mode of a file in {}", dir.display()))?;
    }
    temp.write_all(bytes)
        .and_then(|()| temp.as_file().sync_all())
        .with_context(|| format!("cannot write {}", path.display()))?;
    temp.persist(path)
        .with_context(|| format!("cannot write {}", path.display()))?;
    Ok(())
}

/// Where `path` leads through symbolic links (a dangling link: to the file it names).
fn follow_links(path: &Path) -> anyhow::Result<PathBuf> {
    let mut path = path.to_path_buf();
    // As many as Linux follows before ELOOP.
    for _ in 0..40 {
        match std::fs::symlink_metadata(&path) {
            Ok(meta) if meta.file_type().is_symlink() => {
                let target = std::fs::read_link(&path)
                    .with_context(|| format!("cannot read the link {}", path.display()))?;
                path = match path.parent() {
                    Some(dir) => dir.join(target),
                    None => target,
                };
            }
            _ => return Ok(path),
        }
    }
    anyhow::bail!("{}: too many levels of symbolic links", path.display())
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::os::unix::fs::{FileTypeExt, symlink};

    fn mode(path: &Path) -> u32 {
        std::fs::metadata(path).unwrap().permissions().mode() & 0o777
    }

    #[test]
    fn a_regular_file_is_replaced_keeping_its_mode() {
        let dir = tempfile::tempdir().unwrap();
        let file = dir.path().join("catalog.yaml");
        std::fs::write(&file, "old").unwrap();
        std::fs::set_permissions(&file, std::fs::Permissions::from_mode(0o640)).unwrap();
        write(&file, b"new").unwrap();
        assert_eq!(std::fs::read(&file).unwrap(), b"new");
        assert_eq!(mode(&file), 0o640);
        // Nothing left beside it.
        assert_eq!(std::fs::read_dir(dir.path()).unwrap().count(), 1);
    }

    #[test]
    fn a_new_file_gets_the_umask_s_mode() {
        let dir = tempfile::tempdir().unwrap();
        let file = dir.path().join("sub/m.wasm");
        write(&file, b"\0asm").unwrap();
        // Whatever the umask, a new file is not made private, as a temporary file is.
        let umask_mode = mode(&file);
        assert_ne!(umask_mode, 0o600, "{umask_mode:o}");
        assert_eq!(umask_mode & 0o111, 0, "not executable: {umask_mode:o}");
    }

    #[test]
    fn a_link_is_written_through_and_a_fifo_into() {
        let dir = tempfile::tempdir().unwrap();
        let real = dir.path().join("real.yaml");
        std::fs::write(&real, "old").unwrap();
        let link = dir.path().join("link.yaml");
        symlink("real.yaml", &link).unwrap();
        write(&link, b"new").unwrap();
        assert!(
            std::fs::symlink_metadata(&link)
                .unwrap()
                .file_type()
                .is_symlink()
        );
        assert_eq!(std::fs::read(&real).unwrap(), b"new");

        let fifo = dir.path().join("fifo");
        let made = std::process::Command::new("mkfifo")
            .arg(&fifo)
            .status()
            .unwrap();
        assert!(made.success());
        let reader = {
            let fifo = fifo.clone();
            std::thread::spawn(move || std::fs::read(fifo).unwrap())
        };
        write(&fifo, b"through").unwrap();
        assert_eq!(reader.join().unwrap(), b"through");
        assert!(std::fs::metadata(&fifo).unwrap().file_type().is_fifo());
    }

    #[test]
    fn a_directory_is_refused() {
        let dir = tempfile::tempdir().unwrap();
        let err = write(dir.path(), b"x").unwrap_err().to_string();
        assert!(err.contains("is a directory"), "{err}");
    }
}
