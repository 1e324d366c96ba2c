//! RFC 9440: `Client-Cert` (one RFC 8941 Byte Sequence of the client's DER certificate) and
//! `Client-Cert-Chain` (a List of Byte Sequences, possibly over several field lines, in TLS
//! order: the certificate that issued the client's first).

use super::{Problem, sf};

/// The client's certificate, then the chain.
///
/// # Errors
/// [`Problem::StructuredField`] or [`Problem::BadBase64`].
pub(super) fn parse(cert: &[u8], chain_lines: &[&[u8]]) -> Result<Vec<Vec<u8>>, Problem> {
    let mut ders = vec![sf::item(cert)?];
    for line in chain_lines {
        let items = sf::list(line, ders.len())?;
        ders.extend(items);
    }
    Ok(ders)
}
