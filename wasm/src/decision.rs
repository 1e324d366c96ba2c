//! `explain` (feature `toml`) and `verifyChain` (feature `chain`): arguments in, certbind-core's registry loader,
//! decision and chain validation, answers out.

use certbind_core::{Anchor, Certificate, DecodeOptions, Error, UnixTime};
#[cfg(feature = "chain")]
use certbind_core::{ChainError, ChainOptions, KeyPurpose};
#[cfg(feature = "toml")]
use certbind_core::{
    ClientIndex, Explanation, FileError, FileSource, LoadOptions, MemoryFiles, Presented,
    PresentedCertificate, RegistryProblem,
};
use js_sys::{Array, Date};
#[cfg(feature = "toml")]
use js_sys::{Function, JsString, Object, Reflect};
use wasm_bindgen::prelude::wasm_bindgen;
use wasm_bindgen::{JsCast, JsValue};

use crate::{args, errors, json};

#[cfg(feature = "toml")]
/// Without `clientId` and with no client naming the certificate, at most this many clients are
/// explained (a pasted entry or a small registry; a large one needs `clientId`).
const MAX_EXPLAINED: usize = 100;

#[cfg(feature = "toml")]
/// The answer of [`explain`].
#[derive(serde::Serialize)]
struct ExplainReport {
    /// The time the decision was made at (RFC 3339).
    at: String,
    /// Whether some explained client accepts the certificate.
    accepted: bool,
    /// The `clientId` asked for, when no client has it.
    unknown_client: Option<String>,
    /// How the clients were chosen: `client_id`, `index` (clients registered for this
    /// certificate's thumbprint) or `all`.
    selected_by: &'static str,
    /// Whether more clients exist than were explained.
    truncated: bool,
    /// Registry warnings (cleaned thumbprints, expired secrets, files not available here).
    warnings: Vec<RegistryProblem>,
    /// One decision per client, each with one outcome per secret.
    explanations: Vec<ClientExplanation>,
}

#[cfg(feature = "toml")]
#[derive(serde::Serialize)]
struct ClientExplanation {
    client_id: String,
    #[serde(flatten)]
    explanation: Explanation,
}

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
    // Whole seconds; `ms` is finite and non-negative, and f64 seconds fit u64 for any real date.
    #[allow(clippy::cast_possible_truncation, clippy::cast_sign_loss)]
    let secs = (ms / 1000.0).floor() as u64;
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
/// Loads a registry given as TOML text or as a JavaScript object.
fn load_registry(
    registry: &JsValue,
    now: UnixTime,
    files: &mut JsFiles,
) -> Result<certbind_core::LoadedRegistry, JsValue> {
    let options = LoadOptions::new(now);
    let loaded = if let Some(text) = registry.as_string() {
        certbind_core::load_registry_toml(&text, &options, files)
    } else if registry.is_object() {
        let text = js_sys::JSON::stringify(registry)?;
        let text = String::from(text);
        let mut de = serde_json::Deserializer::from_str(&text);
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
fn presented(input: &JsValue, options: Option<&JsValue>) -> Result<Presented, JsValue> {
    let bytes = args::input_bytes(input, "input")?;
    let password = args::string_property(options, "password")?;
    let mut decode_options = DecodeOptions::default();
    decode_options.password = password.as_deref();
    let decoded = certbind_core::decode(&bytes, &decode_options).map_err(|e| errors::core(&e))?;
    let leaf_index = decoded.key_certificate.unwrap_or(0);
    let mut leaf = None;
    let mut chain = Vec::new();
    for (i, cert) in decoded.certificates.into_iter().enumerate() {
        if i == leaf_index {
            leaf = Some(cert)
        } else {
            chain.push(cert.der().to_vec())
        }
    }
    chain.extend(
        certificates_option(args::property(options, "chain")?, "options.chain")?
            .iter()
            .map(|c| c.der().to_vec()),
    );
    let leaf = leaf.ok_or_else(|| errors::core(&Error::NoCertificate { found: Vec::new() }))?;
    let certificate =
        PresentedCertificate::new(leaf.der().to_vec(), chain).map_err(|e| errors::core(&e))?;
    Ok(Presented::certificate(certificate))
}

#[cfg(feature = "toml")]
fn explain_report(
    registry: &JsValue,
    input: &JsValue,
    options: Option<&JsValue>,
) -> Result<ExplainReport, JsValue> {
    let now = now_option(options)?;
    let mut files = files_option(options)?;
    let loaded = load_registry(registry, now, &mut files)?;
    let mut registry = loaded.registry;
    let anchors = certificates_option(args::property(options, "anchors")?, "options.anchors")?
        .into_iter()
        .map(Anchor::new)
        .collect::<Result<Vec<_>, Error>>()
        .map_err(|e| errors::core(&e))?;
    if !anchors.is_empty() {
        registry.trust.add_default_anchors(anchors);
    }
    let presented = presented(input, options)?;
    let client_id = args::string_property(options, "clientId")?;
    let context = certbind_core::DecisionContext::for_registry(&registry, now);
    let index = ClientIndex::new(registry.clone());

    let (clients, selected_by, truncated) = match &client_id {
        Some(id) => (
            index.get(id).into_iter().collect::<Vec<_>>(),
            "client_id",
            false,
        ),
        None => {
            let candidates = presented
                .certificate
                .as_ref()
                .map(|c| index.candidates(c))
                .unwrap_or_default();
            if candidates.is_empty() {
                let all: Vec<_> = registry.clients.iter().take(MAX_EXPLAINED).collect();
                (all, "all", registry.clients.len() > MAX_EXPLAINED)
            } else {
                (candidates, "index", false)
            }
        }
    };
    let explanations: Vec<ClientExplanation> = clients
        .into_iter()
        .map(|client| ClientExplanation {
            client_id: client.client_id.clone(),
            explanation: certbind_core::explain(client, &presented, &context),
        })
        .collect();
    Ok(ExplainReport {
        at: certbind_core::format_rfc3339(now),
        accepted: explanations
            .iter()
            .any(|e| e.explanation.decision.is_accepted()),
        unknown_client: client_id.filter(|_| explanations.is_empty()),
        selected_by,
        truncated,
        warnings: loaded.warnings,
        explanations,
    })
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
