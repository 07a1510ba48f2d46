//! `cargo run -p schemagen`: rewrites `schemas/`, and the schemas kpack-validate checks with,
//! from the types.

fn main() -> std::io::Result<()> {
    let dir = schemagen::schemas_dir();
    if dir.exists() {
        std::fs::remove_dir_all(&dir)?;
    }
    for file in schemagen::schemas() {
        let path = dir.join(&file.path);
        std::fs::create_dir_all(path.parent().unwrap())?;
        std::fs::write(&path, file.contents)?;
        println!("{}", file.path.display());
    }
    let check_schemas = schemagen::check_schemas_path();
    std::fs::write(&check_schemas, schemagen::check_schemas())?;
    println!("{}", check_schemas.display());
    Ok(())
}
