//! The checked-in C header equals what cbindgen generates from `src/ffi/` (regenerate with
//! `UPDATE_HEADER=1 cargo test --test header`), and its ABI version macro matches the library.

use std::path::Path;

#[test]
fn header_is_up_to_date() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    let config = cbindgen::Config::from_file(root.join("cbindgen.toml")).expect("cbindgen.toml");
    let mut generated = Vec::new();
    cbindgen::Builder::new()
        .with_crate(root)
        .with_config(config)
        .generate()
        .expect("cbindgen generation")
        .write(&mut generated);
    let generated = String::from_utf8(generated).unwrap();
    let path = root.join("include/radscore.h");
    if std::env::var("UPDATE_HEADER").as_deref() == Ok("1") {
        std::fs::write(&path, &generated).unwrap();
    }
    let committed = std::fs::read_to_string(&path).unwrap_or_default();
    assert!(
        committed == generated,
        "include/radscore.h is out of date: run `UPDATE_HEADER=1 cargo test --test header` and commit it"
    );
    let abi = format!("#define RADSCORE_ABI_VERSION {}", radscore::ffi::RADSCORE_ABI_VERSION);
    assert!(committed.contains(&abi), "header lacks `{abi}`");
    assert!(
        committed.contains("extern \"C\""),
        "header lacks the extern \"C\" guard"
    );
}
