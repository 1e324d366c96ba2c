//! `certbind check --config FILE`: validates a configuration without starting the server.

use std::path::PathBuf;
use std::process::ExitCode;

use crate::config::ListenerKind;
use crate::tls;

/// Arguments of `certbind check`.
#[derive(Debug, clap::Args)]
pub(crate) struct Args {
    /// The configuration file.
    #[arg(long, short, value_name = "FILE", env = "CERTBIND_CONFIG")]
    config: PathBuf,
}

/// Exit 0 when the file is usable, 1 with every problem found otherwise.
pub(crate) fn run(args: &Args) -> ExitCode {
    match crate::store::load_settings(&args.config) {
        Err(e) => {
            eprintln!("{e}");
            return ExitCode::FAILURE;
        }
        Ok((crate::store::StoreSettings::Postgres(pg), registration)) => {
            return check_shared(args, &pg, &registration);
        }
        Ok(_) => {}
    }
    let loaded = match crate::load::load(&args.config) {
        Ok(loaded) => loaded,
        Err(e) => {
            eprintln!("{e}");
            return ExitCode::FAILURE;
        }
    };
    let s = &loaded.settings;
    if let Err(e) = crate::keyfile::check(&s.tls_private_key, s.key_files()) {
        eprintln!("{}: server.tls.private_key: {e}", args.config.display());
        return ExitCode::FAILURE;
    }
    // Build (not bind) the acceptors: proves the TLS files are a usable pair.
    let acceptor = tls::mtls_acceptor(
        &s.tls_certificate,
        &s.tls_private_key,
        &[],
        s.max_intermediates,
    );
    if let Err(e) = acceptor {
        eprintln!("{}: server.tls: {e}", args.config.display());
        return ExitCode::FAILURE;
    }
    println!("{}: ok", args.config.display());
    for l in &s.listeners {
        let kind = match l.kind {
            ListenerKind::Mtls => "mtls",
            ListenerKind::Public => "public",
        };
        let http = if l.tls { "" } else { ", plain HTTP" };
        println!("  listener   {} ({kind}{http})", l.address);
        if let Some(proxy) = &l.proxy {
            println!(
                "             behind a proxy: {} in {}, trusted from {}",
                proxy.format, proxy.header, proxy.trusted
            );
        }
    }
    if !s.base_path.is_empty() {
        println!("  base path  {} (every endpoint under it)", s.base_path);
    }
    println!("  clients    {}", loaded.registry.len());
    println!(
        "  scopes     {}",
        loaded.registry.scopes_supported().join(" ")
    );
    for key in loaded.keys.keys() {
        println!(
            "  key        {} {} {}",
            key.algorithm().name(),
            key.kid(),
            key.path().display()
        );
    }
    println!("  signs with {}", loaded.keys.current().kid());
    for warning in loaded.registry.warnings() {
        println!("  warning    {warning}");
    }
    ExitCode::SUCCESS
}

/// A config whose clients and keys live in PostgreSQL: the `[server]` table and TLS files here;
/// the store itself is checked by `certbind db status`.
fn check_shared(
    args: &Args,
    pg: &crate::store::PostgresSettings,
    registration: &crate::store::RegistrationSettings,
) -> ExitCode {
    let s = match crate::config::load(&args.config) {
        Ok(s) => s,
        Err(e) => {
            eprintln!("{e}");
            return ExitCode::FAILURE;
        }
    };
    if let Err(e) = crate::keyfile::check(&s.tls_private_key, s.key_files()) {
        eprintln!("{}: server.tls.private_key: {e}", args.config.display());
        return ExitCode::FAILURE;
    }
    if let Err(e) = tls::mtls_acceptor(
        &s.tls_certificate,
        &s.tls_private_key,
        &[],
        s.max_intermediates,
    ) {
        eprintln!("{}: server.tls: {e}", args.config.display());
        return ExitCode::FAILURE;
    }
    if let Err(e) = crate::store::Database::new(pg) {
        eprintln!("{}: store: {e}", args.config.display());
        return ExitCode::FAILURE;
    }
    println!("{}: ok", args.config.display());
    println!(
        "  store      postgres {} (schema {}; clients and keys: `certbind db status`)",
        pg.redacted_url(),
        pg.schema
    );
    println!(
        "  register   {}",
        if registration.enabled() {
            format!(
                "on, {} initial access token(s)",
                registration.initial_access_tokens.len()
            )
        } else {
            "off".to_owned()
        }
    );
    ExitCode::SUCCESS
}
