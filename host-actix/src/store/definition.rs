//! A client definition moves between TOML (`certbind.toml`, `clients export`) and JSON (the
//! database's `jsonb`, RFC 7591 bodies) with the same keys; only TOML's date-times need a word:
//! they become RFC 3339 strings, which the registry loader reads the same way.

/// A TOML value as JSON (date-times as strings).
#[must_use]
pub(crate) fn toml_to_json(value: &toml::Value) -> serde_json::Value {
    use serde_json::Value as J;
    match value {
        toml::Value::String(s) => J::String(s.clone()),
        toml::Value::Integer(i) => J::from(*i),
        toml::Value::Float(f) => serde_json::Number::from_f64(*f).map_or(J::Null, J::Number),
        toml::Value::Boolean(b) => J::Bool(*b),
        toml::Value::Datetime(d) => J::String(d.to_string()),
        toml::Value::Array(items) => J::Array(items.iter().map(toml_to_json).collect()),
        toml::Value::Table(table) => J::Object(
            table
                .iter()
                .map(|(k, v)| (k.clone(), toml_to_json(v)))
                .collect(),
        ),
    }
}

/// A JSON value as TOML; `null`s (which TOML cannot say) are left out.
#[must_use]
pub(crate) fn json_to_toml(value: &serde_json::Value) -> Option<toml::Value> {
    use serde_json::Value as J;
    Some(match value {
        J::Null => return None,
        J::Bool(b) => toml::Value::Boolean(*b),
        J::Number(n) => match n.as_i64() {
            Some(i) => toml::Value::Integer(i),
            None => toml::Value::Float(n.as_f64()?),
        },
        J::String(s) => toml::Value::String(s.clone()),
        J::Array(items) => toml::Value::Array(items.iter().filter_map(json_to_toml).collect()),
        J::Object(map) => toml::Value::Table(
            map.iter()
                .filter_map(|(k, v)| Some((k.clone(), json_to_toml(v)?)))
                .collect(),
        ),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_client_table_round_trips_with_its_date_time_as_a_string() {
        let text = "client_id = \"c\"\nscopes = [\"read\"]\naccess_token_lifetime = 600\n\
                    [[secrets]]\ntype = \"x509_thumbprint\"\nvalue = \"AB\"\n\
                    expires = 2027-01-01T00:00:00Z\n";
        let table: toml::Value = toml::from_str(text).unwrap();
        let json = toml_to_json(&table);
        assert_eq!(json["secrets"][0]["expires"], "2027-01-01T00:00:00Z");
        assert_eq!(json["access_token_lifetime"], 600);
        let back = json_to_toml(&json).unwrap();
        assert_eq!(back["scopes"][0].as_str(), Some("read"));
        assert_eq!(
            back["secrets"][0]["expires"].as_str(),
            Some("2027-01-01T00:00:00Z")
        );
    }
}
