//! `certbind registration new-token`: a fresh initial access token for RFC 7591 registration,
//! and the config line with its hash (the config never holds the token itself).

use std::process::ExitCode;

/// Arguments of `certbind registration`.
#[derive(Debug, clap::Args)]
pub(crate) struct Args {
    #[command(subcommand)]
    command: RegistrationCommand,
}

#[derive(Debug, clap::Subcommand)]
enum RegistrationCommand {
    /// Print a new initial access token (give it to whoever may register clients) and the line
    /// to add under [registration] in certbind.toml.
    NewToken,
}

pub(crate) fn run(args: &Args) -> ExitCode {
    let RegistrationCommand::NewToken = &args.command;
    match crate::registration::new_token() {
        Ok((token, hash)) => {
            println!("{token}");
            eprintln!(
                "initial access token above (send it as Authorization: Bearer … to /connect/register); \
                 add its hash to certbind.toml:\n\n[registration]\ninitial_access_tokens = [\"{}\"]",
                crate::registration::hex(&hash)
            );
            ExitCode::SUCCESS
        }
        Err(e) => {
            eprintln!("certbind registration new-token: {e}");
            ExitCode::FAILURE
        }
    }
}
