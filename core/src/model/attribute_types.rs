//! Names of the attribute types of distinguished names: the names OpenSSL prints
//! (`openssl x509 -subject -nameopt RFC2253`), for writing a certificate's names, and the names
//! people write in a registered name (the same names in any case, and the aliases of RFC 4514,
//! .NET and LDAP), for reading them.
//!
//! OpenSSL names every attribute type in its objects table (`crypto/objects/objects.txt`) by
//! its short name; the table below is every entry of OpenSSL 3's table directly under the arcs
//! that hold directory attribute types: X.520 (`id-at`, 2.5.4), the RFC 4519/1274 pilot
//! attributes (0.9.2342.19200300.100.1), PKCS #9 (1.2.840.113549.1.9), RFC 3739 personal data
//! (1.3.6.1.5.5.7.9), the EV jurisdiction attributes (1.3.6.1.4.1.311.60.2.1) and the Russian
//! registration numbers (1.2.643.100, 1.2.643.3.131.1). OpenSSL's names for OIDs outside those
//! arcs (algorithms, extensions) are never attribute types. `tests/fixtures/make-fixtures.sh`
//! asks openssl itself for every OID 0–127 of these arcs (`names.attribute-types.ee.pem`), and
//! the OpenSSL cross-check compares every one of them, known or not.

use const_oid::ObjectIdentifier;

use crate::asn1::oid_bytes;

/// For each arc (the DER content of the OID without its last arc), OpenSSL's short names in arc
/// order, separated by one space: a number sets the next arc, each name takes the current arc
/// and moves to the next. Every arc is below 128 (one byte of DER). Compact on purpose: this is
/// in the npm package.
const NAMES: &[(&[u8], &str)] = &[
    (
        oid_bytes!("2.5.4"),
        "3 CN SN serialNumber C L ST street O OU title description searchGuide businessCategory \
         postalAddress postalCode postOfficeBox physicalDeliveryOfficeName telephoneNumber \
         telexNumber teletexTerminalIdentifier facsimileTelephoneNumber x121Address \
         internationaliSDNNumber registeredAddress destinationIndicator preferredDeliveryMethod \
         presentationAddress supportedApplicationContext member owner roleOccupant seeAlso \
         userPassword userCertificate cACertificate authorityRevocationList \
         certificateRevocationList crossCertificatePair name GN initials generationQualifier \
         x500UniqueIdentifier dnQualifier enhancedSearchGuide protocolInformation \
         distinguishedName uniqueMember houseIdentifier supportedAlgorithms deltaRevocationList \
         dmdName 65 pseudonym 72 role 97 organizationIdentifier c3 n3 dnsName",
    ),
    (
        oid_bytes!("0.9.2342.19200300.100.1"),
        "1 UID textEncodedORAddress mail info favouriteDrink roomNumber photo userClass host \
         manager documentIdentifier documentTitle documentVersion documentAuthor \
         documentLocation 20 homeTelephoneNumber secretary otherMailbox lastModifiedTime \
         lastModifiedBy DC aRecord pilotAttributeType27 mXRecord nSRecord sOARecord cNAMERecord \
         37 associatedDomain associatedName homePostalAddress personalTitle \
         mobileTelephoneNumber pagerTelephoneNumber friendlyCountryName uid \
         organizationalStatus janetMailbox mailPreferenceOption buildingName dSAQuality \
         singleLevelQuality subtreeMinimumQuality subtreeMaximumQuality personalSignature \
         dITRedirect audio documentPublisher",
    ),
    (
        oid_bytes!("1.2.840.113549.1.9"),
        "1 emailAddress unstructuredName contentType messageDigest signingTime countersignature \
         challengePassword unstructuredAddress extendedCertificateAttributes 14 extReq \
         SMIME-CAPS SMIME 20 friendlyName localKeyID",
    ),
    (
        oid_bytes!("1.3.6.1.5.5.7.9"),
        "1 id-pda-dateOfBirth id-pda-placeOfBirth id-pda-gender id-pda-countryOfCitizenship \
         id-pda-countryOfResidence",
    ),
    (
        oid_bytes!("1.3.6.1.4.1.311.60.2.1"),
        "1 jurisdictionL jurisdictionST jurisdictionC",
    ),
    (
        oid_bytes!("1.2.643.100"),
        "1 OGRN 3 SNILS 5 OGRNIP 111 subjectSignTool issuerSignTool classSignTool",
    ),
    (oid_bytes!("1.2.643.3.131.1"), "1 INN"),
];

/// Other names people write for attribute types (compared in any case): RFC 4514 and LDAP long
/// names, .NET's `X500DistinguishedName` (`S=`, `E=`, `T=`, `G=`, `I=`), `EMAIL`, `DNQ`.
const ALIASES: &[(&str, &[u8])] = &[
    ("COMMONNAME", oid_bytes!("2.5.4.3")),
    ("SURNAME", oid_bytes!("2.5.4.4")),
    ("COUNTRYNAME", oid_bytes!("2.5.4.6")),
    ("LOCALITYNAME", oid_bytes!("2.5.4.7")),
    ("S", oid_bytes!("2.5.4.8")),
    ("STATEORPROVINCENAME", oid_bytes!("2.5.4.8")),
    ("STREETADDRESS", oid_bytes!("2.5.4.9")),
    ("ORGANIZATIONNAME", oid_bytes!("2.5.4.10")),
    ("ORGANIZATIONALUNITNAME", oid_bytes!("2.5.4.11")),
    ("T", oid_bytes!("2.5.4.12")),
    ("GIVENNAME", oid_bytes!("2.5.4.42")),
    ("G", oid_bytes!("2.5.4.42")),
    ("I", oid_bytes!("2.5.4.43")),
    ("DNQ", oid_bytes!("2.5.4.46")),
    ("DOMAINCOMPONENT", oid_bytes!("0.9.2342.19200300.100.1.25")),
    ("USERID", oid_bytes!("0.9.2342.19200300.100.1.1")),
    ("E", oid_bytes!("1.2.840.113549.1.9.1")),
    ("EMAIL", oid_bytes!("1.2.840.113549.1.9.1")),
];

/// The (arc, name) pairs of one arc's list (words separated by one space).
fn entries(names: &'static str) -> impl Iterator<Item = (u8, &'static str)> {
    let mut arc = 0u8;
    names.split_ascii_whitespace().filter_map(move |word| {
        if word.as_bytes().first().is_some_and(u8::is_ascii_digit) {
            if let Ok(number) = word.parse::<u8>() {
                arc = number;
            }
            return None;
        }
        let entry = (arc, word);
        arc = arc.wrapping_add(1);
        Some(entry)
    })
}

/// The name OpenSSL prints for an attribute type, when it names it.
pub(crate) fn name_of(oid: &ObjectIdentifier) -> Option<&'static str> {
    let (last, arc) = oid.as_bytes().split_last()?;
    let (_, names) = NAMES.iter().find(|(prefix, _)| *prefix == arc)?;
    entries(names)
        .find(|(n, _)| n == last)
        .map(|(_, name)| name)
}

/// The attribute type a name stands for, in any case: OpenSSL's names first (in table order:
/// `UID` and `uid` are both userId, 0.9.2342.19200300.100.1.1, as in RFC 4519), then the
/// aliases.
pub(crate) fn oid_of(name: &str) -> Option<ObjectIdentifier> {
    let from_table = NAMES.iter().find_map(|(prefix, names)| {
        let (arc, _) = entries(names).find(|(_, n)| n.eq_ignore_ascii_case(name))?;
        let mut bytes = alloc::vec::Vec::with_capacity(prefix.len() + 1);
        bytes.extend_from_slice(prefix);
        bytes.push(arc);
        ObjectIdentifier::from_bytes(&bytes).ok()
    });
    from_table.or_else(|| {
        ALIASES
            .iter()
            .find(|(alias, _)| alias.eq_ignore_ascii_case(name))
            .and_then(|(_, bytes)| ObjectIdentifier::from_bytes(bytes).ok())
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn oid(dotted: &str) -> ObjectIdentifier {
        ObjectIdentifier::new_unwrap(dotted)
    }

    #[test]
    fn names_are_openssls_short_names() {
        for (dotted, name) in [
            ("2.5.4.3", "CN"),
            ("2.5.4.5", "serialNumber"),
            ("2.5.4.9", "street"),
            ("2.5.4.54", "dmdName"),
            ("2.5.4.65", "pseudonym"),
            ("2.5.4.97", "organizationIdentifier"),
            ("2.5.4.100", "dnsName"),
            ("0.9.2342.19200300.100.1.1", "UID"),
            ("0.9.2342.19200300.100.1.20", "homeTelephoneNumber"),
            ("0.9.2342.19200300.100.1.44", "uid"),
            ("0.9.2342.19200300.100.1.56", "documentPublisher"),
            ("1.2.840.113549.1.9.1", "emailAddress"),
            ("1.2.840.113549.1.9.21", "localKeyID"),
            ("1.3.6.1.4.1.311.60.2.1.3", "jurisdictionC"),
            ("1.2.643.100.113", "classSignTool"),
            ("1.2.643.3.131.1.1", "INN"),
        ] {
            assert_eq!(name_of(&oid(dotted)), Some(name), "{dotted}");
        }
        for unnamed in [
            "2.5.4.0",
            "2.5.4.55",
            "2.5.4.101",
            "2.5.4.228",
            "2.5.4.3.1",
            "0.9.2342.19200300.100.1.16",
            "1.2.840.113549.1.9.52",
            "1.2.643.100.2",
            "1.2.3.4",
            "2.5.29.17",
        ] {
            assert_eq!(name_of(&oid(unnamed)), None, "{unnamed}");
        }
    }

    #[test]
    fn every_name_reads_back_as_its_type_but_uid() {
        let mut count = 0;
        for (prefix, names) in NAMES {
            for (arc, name) in entries(names) {
                let mut bytes = prefix.to_vec();
                bytes.push(arc);
                let typ = ObjectIdentifier::from_bytes(&bytes).unwrap();
                assert_eq!(name_of(&typ), Some(name));
                let expected = if name == "uid" {
                    oid("0.9.2342.19200300.100.1.1")
                } else {
                    typ
                };
                assert_eq!(oid_of(name), Some(expected), "{name}");
                assert_eq!(oid_of(&name.to_ascii_uppercase()), Some(expected), "{name}");
                count += 1;
            }
        }
        // OpenSSL 3.0's objects under the arcs (crypto/objects/objects.txt); a doubled space or
        // a stray line break in the table would show up as an empty or a glued name.
        assert_eq!(count, 134);
        assert!(
            NAMES
                .iter()
                .all(|(_, names)| !names.contains("  ") && !names.contains('\n'))
        );
        assert_eq!(oid_of("s"), Some(oid("2.5.4.8")));
        assert_eq!(oid_of("Email"), Some(oid("1.2.840.113549.1.9.1")));
        assert_eq!(oid_of("nobody"), None);
    }
}
