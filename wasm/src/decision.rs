//! `explain` (feature `toml`) and `verifyChain` (feature `chain`): arguments in, certbind-core's
//! registry loader, explain report and chain validation, answers out.
//!
//! `explain()`, `explainJson()` and `explainText()` return certbind-core's `ExplainReport` (as an
//! object with camelCase keys, as the JSON `certbind explain --json` prints, and as the words
//! `certbind explain` prints): the Rust CLI, `npx certbind explain` and the checker page show the
//! same report because none of them builds its own.

use alloc::string::{String, ToString};
use alloc::vec::Vec;
use alloc::{format, vec};

use certbind_core::{Anchor, Certificate, DecodeOptions, Error, UnixTime};
#[cfg(feature = "chain")]
use certbind_core::{ChainError, ChainOptions, KeyPurpose};
#[cfg(feature = "toml")]
use certbind_core::{
    ClientIndex, ExplainReport, FileError, FileSource, LoadOptions, MemoryFiles,
    PresentedCertificate,
};
use js_sys::{Array, Date};
#[cfg(feature = "toml")]
use js_sys::{Function, JsString, Object, Reflect};
use wasm_bindgen::prelude::wasm_bindgen;
use wasm_bindgen::{JsCast, JsValue};

use crate::{args, errors, json};

/// `now` option: a `Date`, an RFC 3339 string or milliseconds since the epoch; default: now.
fn now_option(options: Option<&JsValue>) -> Result<UnixTime, JsValue> {
    let ms = match args::property(options, "now")? {
        None => Date::now(),
        Some(v) if v.is_instance_of::<Date>() => Date::from(v).get_time(),
        Some(v) if v.is_string() => {
            let text = args::string(&v, "options.now")?;
            return certbind_core::parse_rfc3339(&text).map_err(|e| errors::core(&e));
        }
        Some(v) => v.as_f64().ok_or_else(|| {
            errors::invalid_argument(&format!(
                "options.now must be a Date, an RFC 3339 string or milliseconds, not {}",
                args::type_name(&v)
            ))
        })?,
    };
    if !ms.is_finite() || ms < 0.0 {
        return Err(errors::invalid_argument(
            "options.now must be a time after 1970",
        ));
    }
    // Whole seconds; `ms` is finite and non-negative, so the cast (which truncates toward zero)
    // is the floor, and f64 seconds fit u64 for any real date. (`f64::floor` needs std.)
    #[allow(clippy::cast_possible_truncation, clippy::cast_sign_loss)]
    let secs = (ms / 1000.0) as u64;
    Ok(UnixTime::since_unix_epoch(core::time::Duration::from_secs(
        secs,
    )))
}

/// Every certificate of one input or a list of inputs (`options.chain`, `anchors`, …).
fn certificates_option(value: Option<JsValue>, what: &str) -> Result<Vec<Certificate>, JsValue> {
    let Some(value) = value else {
        return Ok(Vec::new());
    };
    let items: Vec<JsValue> = if Array::is_array(&value) {
        Array::from(&value).iter().collect()
    } else {
        vec![value]
    };
    let mut out = Vec::new();
    for (i, item) in items.iter().enumerate() {
        let bytes = args::input_bytes(item, &format!("{what}[{i}]"))?;
        let decoded = certbind_core::decode(&bytes, &DecodeOptions::default())
            .map_err(|e| errors::core(&e))?;
        out.extend(decoded.certificates);
    }
    Ok(out)
}

#[cfg(feature = "toml")]
/// The files a registry names: `options.files` (`{ path: bytes }`), then `options.readFile`
/// (`(path) => bytes`, e.g. the CLI reading next to the config file).
struct JsFiles {
    memory: MemoryFiles,
    paths: Vec<String>,
    read: Option<Function>,
}

#[cfg(feature = "toml")]
impl FileSource for JsFiles {
    fn read(&mut self, path: &str) -> Result<Vec<u8>, FileError> {
        if self.paths.iter().any(|p| p == path) {
            return self.memory.read(path);
        }
        let Some(read) = &self.read else {
            return Err(FileError::Unavailable);
        };
        let value = read
            .call1(&JsValue::NULL, &JsValue::from_str(path))
            .map_err(|e| FileError::Failed(error_text(&e)))?;
        args::input_bytes(&value, "readFile(path)").map_err(|e| FileError::Failed(error_text(&e)))
    }
}

#[cfg(feature = "toml")]
/// The message of a thrown JavaScript value.
fn error_text(e: &JsValue) -> String {
    e.dyn_ref::<js_sys::Error>()
        .map_or_else(|| format!("{e:?}"), |e| String::from(e.message()))
}

#[cfg(feature = "toml")]
fn files_option(options: Option<&JsValue>) -> Result<JsFiles, JsValue> {
    let mut files = JsFiles {
        memory: MemoryFiles::new(),
        paths: Vec::new(),
        read: None,
    };
    if let Some(read) = args::property(options, "readFile")? {
        files.read = Some(read.dyn_into::<Function>().map_err(|v| {
            errors::invalid_argument(&format!(
                "options.readFile must be a function, not {}",
                args::type_name(&v)
            ))
        })?);
    }
    let Some(map) = args::property(options, "files")? else {
        return Ok(files);
    };
    if !map.is_object() {
        return Err(errors::invalid_argument(
            "options.files must be an object { path: bytes }",
        ));
    }
    for key in Object::keys(map.unchecked_ref::<Object>()).iter() {
        let path = String::from(key.unchecked_ref::<JsString>());
        let value = Reflect::get(&map, &key)?;
        let bytes = args::input_bytes(&value, &format!("options.files[{path:?}]"))?;
        files.memory = files.memory.with(path.clone(), bytes);
        files.paths.push(path);
    }
    Ok(files)
}

#[cfg(feature = "toml")]
/// Loads a registry given as TOML text or as a JavaScript object. With `options.embedded`, the
/// registry is part of a larger document (the server's certbind.toml): unknown top-level keys
/// such as the `[server]` table are ignored, as `certbind explain --config` ignores them.
fn load_registry(
    registry: &JsValue,
    now: UnixTime,
    files: &mut JsFiles,
    embedded: bool,
) -> Result<certbind_core::LoadedRegistry, JsValue> {
    let options = if embedded {
        LoadOptions::embedded(now)
    } else {
        LoadOptions::new(now)
    };
    let loaded = if let Some(text) = registry.as_string() {
        certbind_core::load_registry_toml(&text, &options, files)
    } else if registry.is_object() {
        let text = js_sys::JSON::stringify(registry)?;
        let text = String::from(text);
        let mut de = serde_json_alloc::Deserializer::from_str(&text);
        certbind_core::load_registry_data(&mut de, &options, files)
    } else {
        return Err(errors::invalid_argument(&format!(
            "the registry must be TOML text or an object, not {}",
            args::type_name(registry)
        )));
    };
    loaded.map_err(|e| errors::core(&e))
}

#[cfg(feature = "toml")]
/// The presented certificate: the one with the private key (PKCS#12), else the first; every
/// other certificate of the input, then `options.chain`, is the chain it came with.
fn presented(input: &JsValue, options: Option<&JsValue>) -> Result<PresentedCertificate, JsValue> {
    let bytes = args::input_bytes(input, "input")?;
    let password = args::string_property(options, "password")?;
    let mut decode_options = DecodeOptions::default();
    decode_options.password = password.as_deref();
    let decoded = certbind_core::decode(&bytes, &decode_options).map_err(|e| errors::core(&e))?;
    let chain = certificates_option(args::property(options, "chain")?, "options.chain")?
        .iter()
        .map(|c| c.der().to_vec())
        .collect::<Vec<_>>();
    PresentedCertificate::from_decoded(decoded, chain).map_err(|e| errors::core(&e))
}

#[cfg(feature = "toml")]
/// certbind-core's explain report for the arguments of [`explain`].
fn explain_report(
    registry: &JsValue,
    input: &JsValue,
    options: Option<&JsValue>,
) -> Result<ExplainReport, JsValue> {
    let now = now_option(options)?;
    let mut files = files_option(options)?;
    let embedded = match args::property(options, "embedded")? {
        None => false,
        Some(v) => v.as_bool().ok_or_else(|| {
            errors::invalid_argument(&format!(
                "options.embedded must be a boolean, not {}",
                args::type_name(&v)
            ))
        })?,
    };
    let loaded = load_registry(registry, now, &mut files, embedded)?;
    let mut registry = loaded.registry;
    let anchors = certificates_option(args::property(options, "anchors")?, "options.anchors")?
        .into_iter()
        .map(Anchor::new)
        .collect::<Result<Vec<_>, Error>>()
        .map_err(|e| errors::core(&e))?;
    if !anchors.is_empty() {
        registry.trust.add_default_anchors(anchors);
    }
    let certificate = presented(input, options)?;
    let client_id = args::string_property(options, "clientId")?;
    let index = ClientIndex::new(registry);
    Ok(
        certbind_core::explain_certificate(&index, &certificate, client_id.as_deref(), now)
            .with_warnings(loaded.warnings),
    )
}

#[cfg(feature = "toml")]
/// Explains whether the certificate in `input` authenticates the clients of `registry` (TOML
/// text as in certbind.toml, or the same document as an object): the core's decision with one
/// outcome per secret.
///
/// # Errors
/// `Registry` (every problem, with `problems`), the decoding errors of `inspect`, `InvalidTime`.
#[wasm_bindgen(unchecked_return_type = "ExplainReport")]
pub fn explain(
    #[wasm_bindgen(unchecked_param_type = "string | object")] registry: JsValue,
    #[wasm_bindgen(unchecked_param_type = "CertificateInput")] input: JsValue,
    #[wasm_bindgen(unchecked_optional_param_type = "ExplainOptions")] options: Option<JsValue>,
) -> Result<JsValue, JsValue> {
    json::to_js(&explain_report(&registry, &input, options.as_ref())?)
}

#[cfg(feature = "toml")]
/// [`explain`] as JSON text with the core's snake_case keys (what `npx certbind explain --json`
/// prints).
///
/// # Errors
/// As [`explain`].
#[wasm_bindgen(js_name = explainJson)]
pub fn explain_json(
    #[wasm_bindgen(unchecked_param_type = "string | object")] registry: JsValue,
    #[wasm_bindgen(unchecked_param_type = "CertificateInput")] input: JsValue,
    #[wasm_bindgen(unchecked_optional_param_type = "ExplainOptions")] options: Option<JsValue>,
) -> Result<String, JsValue> {
    json::to_cli_json(&explain_report(&registry, &input, options.as_ref())?)
}

#[cfg(feature = "toml")]
/// [`explain`] in words: what `certbind explain` (and `npx certbind explain`) prints, one line
/// per client and one per secret. The registry's warnings are not part of it.
///
/// # Errors
/// As [`explain`].
#[wasm_bindgen(js_name = explainText)]
pub fn explain_text(
    #[wasm_bindgen(unchecked_param_type = "string | object")] registry: JsValue,
    #[wasm_bindgen(unchecked_param_type = "CertificateInput")] input: JsValue,
    #[wasm_bindgen(unchecked_optional_param_type = "ExplainOptions")] options: Option<JsValue>,
) -> Result<String, JsValue> {
    Ok(explain_report(&registry, &input, options.as_ref())?.to_string())
}

#[cfg(feature = "chain")]
/// The answer of [`verify_chain`].
#[derive(serde::Serialize)]
struct ChainReport {
    valid: bool,
    /// Why not, in words.
    reason: Option<String>,
    /// Why not, as data.
    error: Option<ChainError>,
    /// On success: indexes of the intermediates used, leaf side first.
    path: Option<Vec<usize>>,
    /// On success: index of the anchor the path ends at.
    anchor: Option<usize>,
}

#[cfg(feature = "chain")]
/// Validates the first certificate of `leaf` up to one of `options.anchors`, through
/// `options.intermediates` (and any further certificates in `leaf`), at `options.now`, for
/// `options.usage` (`"client"`, the default, or `"server"`).
///
/// # Errors
/// Decoding errors of the certificates, `InvalidTrustAnchor`, `InvalidTime`, `InvalidArgument`.
/// An invalid chain is not an error: `{ valid: false, reason }`.
#[wasm_bindgen(js_name = verifyChain, unchecked_return_type = "ChainReport")]
pub fn verify_chain(
    #[wasm_bindgen(unchecked_param_type = "CertificateInput")] leaf: JsValue,
    #[wasm_bindgen(unchecked_param_type = "VerifyChainOptions")] options: JsValue,
) -> Result<JsValue, JsValue> {
    let options = Some(&options);
    let mut leaf_certs = certificates_option(Some(leaf), "leaf")?.into_iter();
    let leaf = leaf_certs
        .next()
        .ok_or_else(|| errors::core(&Error::NoCertificate { found: Vec::new() }))?;
    let mut intermediates: Vec<Certificate> = leaf_certs.collect();
    intermediates.extend(certificates_option(
        args::property(options, "intermediates")?,
        "options.intermediates",
    )?);
    let anchors = certificates_option(args::property(options, "anchors")?, "options.anchors")?
        .into_iter()
        .enumerate()
        .map(|(index, c)| {
            Anchor::new(c).map_err(|e| {
                errors::core(&Error::InvalidTrustAnchor {
                    index,
                    reason: e.to_string(),
                })
            })
        })
        .collect::<Result<Vec<_>, _>>()?;
    let now = now_option(options)?;
    let purpose = match args::string_property(options, "usage")?.as_deref() {
        None | Some("client") => KeyPurpose::ClientAuth,
        Some("server") => KeyPurpose::ServerAuth,
        Some(other) => {
            return Err(errors::invalid_argument(&format!(
                "options.usage must be \"client\" or \"server\", not {other:?}"
            )));
        }
    };
    let anchor_refs: Vec<&Anchor> = anchors.iter().collect();
    let intermediate_ders: Vec<&[u8]> = intermediates.iter().map(Certificate::der).collect();
    let report = match certbind_core::verify_chain(
        leaf.der(),
        &intermediate_ders,
        &anchor_refs,
        now,
        &ChainOptions::for_purpose(purpose),
    ) {
        Ok(chain) => ChainReport {
            valid: true,
            reason: None,
            error: None,
            path: Some(chain.intermediates),
            anchor: Some(chain.anchor),
        },
        Err(e) => ChainReport {
            valid: false,
            reason: Some(e.to_string()),
            error: Some(e),
            path: None,
            anchor: None,
        },
    };
    json::to_js(&report)
}
