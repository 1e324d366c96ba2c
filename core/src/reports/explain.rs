//! The explanation of a certificate against a registry: would it authenticate a client, and if
//! not, why — one outcome per registered secret.
//!
//! One report, built here, is what `certbind explain` prints (as words or `--json`), what the npm
//! package's `explain()` / `explainJson()` / `explainText()` and `npx certbind explain` return,
//! and what the checker page shows: they cannot disagree, because none of them builds its own.
//!
//! ## Which clients are explained
//! 1. With a `client_id`: that client (or none, and [`ExplainReport::unknown_client`] says so).
//! 2. Without: the clients the certificate could belong to ([`ClientIndex::candidates`]: by
//!    thumbprint, then by a subject DN or SAN that a `tls_client_auth` or `x509_name` secret
//!    names).
//! 3. When no client names the certificate at all: every client of the registry, so that a
//!    person sees *why* their entry does not match (the usual case: a wrong thumbprint) — as
//!    long as the registry has at most [`MAX_EXPLAINED`] clients. A larger registry explains
//!    none and sets [`ExplainReport::truncated`]: name the client.

use alloc::string::{String, ToString};
use alloc::vec::Vec;
use core::fmt;

use crate::decide::{DecisionContext, explain};
use crate::index::ClientIndex;
use crate::outcome::{Decision, Explanation, SecretOutcome};
use crate::presented::{Presented, PresentedCertificate};
use crate::registry::Client;
use crate::secret::AuthMethod;
use crate::thumbprint::hex_upper;
use crate::when::When;
use crate::{RegistryProblem, UnixTime};

/// Without a `client_id`, and with no client naming the certificate, every client is explained
/// only in a registry of at most this many clients (a pasted entry, a small deployment).
pub const MAX_EXPLAINED: usize = 100;

/// How the explained clients were chosen (see the module documentation).
#[derive(Clone, Copy, Debug, PartialEq, Eq, serde::Serialize)]
#[serde(rename_all = "snake_case")]
#[non_exhaustive]
pub enum Selection {
    /// The client named by `client_id`.
    ClientId,
    /// The clients the certificate could belong to, found through the index.
    Index,
    /// No client names the certificate: every client (when there are at most
    /// [`MAX_EXPLAINED`]).
    All,
}

/// The certificate an explanation is about.
#[derive(Clone, Debug, PartialEq, Eq, serde::Serialize)]
#[non_exhaustive]
pub struct ExplainedCertificate {
    /// Its subject (RFC 4514), when it can be read.
    pub subject: Option<String>,
    /// Its issuer (RFC 4514), when it can be read.
    pub issuer: Option<String>,
    /// SHA-1 thumbprint, uppercase hex (IdentityServer3's form).
    pub sha1: String,
    /// SHA-256 thumbprint, uppercase hex.
    pub sha256: String,
    /// `x5t#S256`, the value access tokens are bound to.
    #[serde(rename = "x5t#S256")]
    pub x5t_s256: String,
    /// notBefore.
    pub not_before: When,
    /// notAfter.
    pub not_after: When,
    /// How many certificates were sent after it (its chain).
    pub chain: usize,
}

impl ExplainedCertificate {
    fn of(certificate: &PresentedCertificate) -> Self {
        Self {
            subject: crate::decide::subject_name(certificate.der()),
            issuer: crate::decide::issuer_name(certificate.der()),
            sha1: hex_upper(certificate.sha1()),
            sha256: hex_upper(certificate.sha256()),
            x5t_s256: certificate.x5t_s256(),
            not_before: certificate.not_before(),
            not_after: certificate.not_after(),
            chain: certificate.chain().len(),
        }
    }
}

/// The decision for one client, with every secret's outcome.
#[derive(Clone, Debug, PartialEq, Eq, serde::Serialize)]
#[non_exhaustive]
pub struct ClientExplanation {
    /// The client.
    pub client_id: String,
    /// Its `name`, when it has one.
    pub name: Option<String>,
    /// Its `description`, when it has one.
    pub description: Option<String>,
    /// Its `token_endpoint_auth_method`.
    pub method: AuthMethod,
    /// Whether the method was derived from its secrets (not written in the registry).
    pub method_derived: bool,
    /// The decision.
    pub decision: Decision,
    /// Every secret, matched or not, in registry order.
    pub secrets: Vec<SecretOutcome>,
}

/// Would a certificate authenticate the clients of a registry, and if not, why. Serialises to
/// the JSON of `certbind explain --json`; displays as its words.
#[derive(Clone, Debug, PartialEq, Eq, serde::Serialize)]
#[non_exhaustive]
pub struct ExplainReport {
    /// The certificate.
    pub certificate: ExplainedCertificate,
    /// The instant of the decision.
    pub at: When,
    /// Whether some explained client accepts the certificate.
    pub accepted: bool,
    /// How the clients were chosen.
    pub selected_by: Selection,
    /// Whether clients were left unexplained: no client names the certificate, and the registry
    /// has more than [`MAX_EXPLAINED`].
    pub truncated: bool,
    /// The `client_id` asked for, when no client has it.
    pub unknown_client: Option<String>,
    /// One decision per client explained.
    pub clients: Vec<ClientExplanation>,
    /// What loading the registry warned about (cleaned thumbprints, expired secrets, files not
    /// available); see [`ExplainReport::with_warnings`].
    pub warnings: Vec<RegistryProblem>,
}

impl ExplainReport {
    /// The report with the warnings of loading the registry (`LoadedRegistry::warnings`).
    #[must_use]
    pub fn with_warnings(mut self, warnings: Vec<RegistryProblem>) -> Self {
        self.warnings = warnings;
        self
    }
}

/// Explains whether `certificate` (with the chain it came with) authenticates the client
/// `client_id` of the indexed registry, or without one, the clients it could belong to (see the
/// module documentation), at `now`.
#[must_use]
pub fn explain_certificate(
    index: &ClientIndex,
    certificate: &PresentedCertificate,
    client_id: Option<&str>,
    now: UnixTime,
) -> ExplainReport {
    let all = &index.registry().clients;
    let mut unknown_client = None;
    let mut truncated = false;
    let (chosen, selected_by): (Vec<&Client>, Selection) = match client_id {
        Some(id) => {
            let client = index.get(id);
            if client.is_none() {
                unknown_client = Some(id.to_string());
            }
            (client.into_iter().collect(), Selection::ClientId)
        }
        None => {
            let candidates = index.candidates(certificate);
            if !candidates.is_empty() {
                (candidates, Selection::Index)
            } else if all.len() <= MAX_EXPLAINED {
                (all.iter().collect(), Selection::All)
            } else {
                truncated = true;
                (Vec::new(), Selection::All)
            }
        }
    };
    let context = DecisionContext::for_registry(index.registry(), now);
    let presented = Presented::certificate(certificate);
    let clients: Vec<ClientExplanation> = chosen
        .into_iter()
        .map(|client| {
            let Explanation { decision, secrets } = explain(client, &presented, &context);
            ClientExplanation {
                client_id: client.client_id.clone(),
                name: client.name.clone(),
                description: client.description.clone(),
                method: client.token_endpoint_auth_method,
                method_derived: client.method_derived,
                decision,
                secrets,
            }
        })
        .collect();
    ExplainReport {
        certificate: ExplainedCertificate::of(certificate),
        at: When::from(now),
        accepted: clients.iter().any(|c| c.decision.is_accepted()),
        selected_by,
        truncated,
        unknown_client,
        clients,
        warnings: Vec::new(),
    }
}

/// What no client naming the certificate means, in words.
const NO_CLIENT_NAMES_IT: &str = "no client registered this certificate (by SHA-1 or SHA-256 \
                                  thumbprint), and no tls_client_auth or x509_name secret names \
                                  its subject or SANs";

/// The words of `certbind explain`: the certificate, then one line per client and one per
/// secret. (The warnings are not part of it: the CLI prints them on standard error.)
impl fmt::Display for ExplainReport {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let c = &self.certificate;
        if let Some(subject) = &c.subject {
            let issuer = c.issuer.as_deref().unwrap_or("an unreadable issuer");
            writeln!(f, "certificate {subject} (issued by {issuer})")?;
        }
        writeln!(f, "  SHA-1 {}  x5t#S256 {}", c.sha1, c.x5t_s256)?;
        writeln!(
            f,
            "  valid {} to {}; checked at {}",
            c.not_before, c.not_after, self.at
        )?;
        if let Some(id) = &self.unknown_client {
            writeln!(f, "rejected: no client has client_id {id:?}")?;
        } else if self.selected_by == Selection::All {
            if self.truncated {
                writeln!(
                    f,
                    "rejected: {NO_CLIENT_NAMES_IT} (the registry has more than {MAX_EXPLAINED} \
                     clients: name one to see why it does not match)"
                )?;
            } else if self.clients.is_empty() {
                writeln!(f, "rejected: the registry has no clients")?;
            } else {
                writeln!(f, "{NO_CLIENT_NAMES_IT}; every client, and why:")?;
            }
        }
        for client in &self.clients {
            write_client(f, client)?;
        }
        Ok(())
    }
}

fn write_client(f: &mut fmt::Formatter<'_>, client: &ClientExplanation) -> fmt::Result {
    let id = &client.client_id;
    let method = client.method;
    match &client.decision {
        Decision::Accepted(a) => writeln!(
            f,
            "client {id:?} ({method}): ACCEPTED by secret #{} ({})",
            a.secret_index + 1,
            a.secret_type
        )?,
        Decision::Rejected(_) => writeln!(f, "client {id:?} ({method}): REJECTED")?,
    }
    if let Some(name) = &client.name {
        writeln!(f, "  name {name:?}")?;
    }
    if let Some(description) = &client.description {
        writeln!(f, "  description {description:?}")?;
    }
    if let Decision::Rejected(r) = &client.decision {
        for reason in &r.client_reasons {
            writeln!(f, "  {reason}")?;
        }
    }
    for outcome in &client.secrets {
        write!(
            f,
            "  secret #{} ({}",
            outcome.index + 1,
            outcome.secret_type
        )?;
        if let Some(description) = &outcome.description {
            write!(f, ", {description:?}")?;
        }
        match &outcome.result {
            Ok(method) => writeln!(f, "): matches ({method})")?,
            Err(reason) => writeln!(f, "): {reason}")?,
        }
    }
    Ok(())
}
