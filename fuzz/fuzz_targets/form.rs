//! Fuzz target: the `application/x-www-form-urlencoded` bodies of the token, introspection and
//! revocation endpoints (`certbind_host::extract::Form::parse`). Checked beyond "no panic": an
//! accepted form has each parameter once, at most 64, and `get` never answers an empty value.
#![no_main]

use certbind_host::extract::Form;
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let Ok(form) = Form::parse(data) else {
        return;
    };
    let names: Vec<String> = form_urlencoded::parse(data)
        .map(|(name, _)| name.into_owned())
        .collect();
    assert!(names.len() <= 64);
    for (i, name) in names.iter().enumerate() {
        assert!(!names[..i].contains(name), "{name:?} accepted twice");
        if let Some(value) = form.get(name) {
            assert!(!value.is_empty());
        }
    }
});
