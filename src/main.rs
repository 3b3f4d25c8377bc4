//! The `authwalk` binary: parse configuration, start logging, then serve or run a command.

use std::process::ExitCode;

use authwalk::config::{Config, RawConfig};
use authwalk::domain::DomainName;
use authwalk::profile::DomainStatus;
use authwalk::store::Store;
use authwalk::web::api::TenantJson;
use authwalk::{App, Services, shutdown_signal, telemetry};
use clap::{Parser, Subcommand};

/// Branded, device-aware walkthroughs for passkeys in Microsoft Authenticator.
///
/// Every option can also be set by the environment variable shown beside it.
#[derive(Debug, Parser)]
#[command(name = "authwalk", version, about, long_about)]
struct Cli {
    #[command(flatten)]
    config: RawConfig,
    #[command(subcommand)]
    command: Option<Command>,
}

#[derive(Debug, Subcommand)]
enum Command {
    /// Serve the web app (the default).
    Serve,
    /// Apply pending database migrations, then exit.
    Migrate,
    /// Resolve a domain and print its tenant profile as JSON.
    ///
    /// Exit status: 0 Entra tenant, 3 not an Entra domain, 4 unreachable, 2 invalid domain.
    Resolve {
        /// The company domain (`contoso.com`, an email address or a URL also work).
        domain: String,
    },
    /// Print a one-time admin sign-in link for a tenant's domain (works once, for 15 minutes).
    ///
    /// For operators of a self-hosted authwalk: administer a tenant without publishing a DNS
    /// record. The link starts with AUTHWALK_PUBLIC_URL. Exit status: 0 printed, 3 not an Entra
    /// domain, 4 Microsoft unreachable, 2 invalid domain.
    AdminLink {
        /// A domain of the tenant to administer (`contoso.com`).
        domain: String,
    },
}

#[tokio::main]
async fn main() -> ExitCode {
    let cli = Cli::parse();
    let config = match cli.config.validate() {
        Ok(config) => config,
        Err(error) => {
            #[expect(clippy::print_stderr, reason = "the one line an operator sees")]
            {
                eprintln!("{error}");
            }
            return ExitCode::from(2);
        }
    };
    telemetry::init(&config.rust_log, config.log_format);
    match cli.command.unwrap_or(Command::Serve) {
        Command::Serve => serve(config).await,
        Command::Migrate => migrate(config).await,
        Command::Resolve { domain } => resolve(config, &domain).await,
        Command::AdminLink { domain } => admin_link(config, &domain).await,
    }
}

#[expect(
    clippy::print_stdout,
    clippy::print_stderr,
    reason = "the command's output"
)]
async fn resolve(config: Config, raw: &str) -> ExitCode {
    let domain = match DomainName::parse(raw) {
        Ok(domain) => domain,
        Err(error) => {
            eprintln!("{error}");
            return ExitCode::from(2);
        }
    };
    let services = match Services::build(&config).await {
        Ok(services) => services,
        Err(error) => {
            eprintln!("{error}");
            return ExitCode::FAILURE;
        }
    };
    let profile = services.discovery.profile(&domain).await;
    services.store.close().await;
    match serde_json::to_string_pretty(&TenantJson::new(
        profile.as_ref(),
        &authwalk::admin::Customization::default(),
    )) {
        Ok(json) => println!("{json}"),
        Err(error) => {
            eprintln!("cannot print the profile: {error}");
            return ExitCode::FAILURE;
        }
    }
    match profile.status {
        DomainStatus::Entra => ExitCode::SUCCESS,
        DomainStatus::NotEntra => ExitCode::from(3),
        DomainStatus::Unreachable => ExitCode::from(4),
    }
}

#[expect(
    clippy::print_stdout,
    clippy::print_stderr,
    reason = "the command's output"
)]
async fn admin_link(config: Config, raw: &str) -> ExitCode {
    use authwalk::admin::AdminError;
    let services = match Services::build(&config).await {
        Ok(services) => services,
        Err(error) => {
            eprintln!("{error}");
            return ExitCode::FAILURE;
        }
    };
    let issued = authwalk::admin::link::issue(
        &services.store,
        &services.discovery,
        &config.public_url,
        raw,
        time::OffsetDateTime::now_utc(),
    )
    .await;
    services.store.close().await;
    match issued {
        Ok(link) => {
            println!("{}", link.url);
            eprintln!(
                "One-time admin sign-in link for {}; it works once, until {}.",
                link.domain.to_unicode(),
                authwalk::admin::format_time(link.expires_at)
            );
            ExitCode::SUCCESS
        }
        Err(error) => {
            eprintln!("{error}");
            ExitCode::from(match error {
                AdminError::InvalidDomain(_) => 2,
                AdminError::NotEntra { .. } => 3,
                AdminError::Unreachable { .. } => 4,
                _ => 1,
            })
        }
    }
}

async fn serve(config: Config) -> ExitCode {
    let app = match App::build(config).await {
        Ok(app) => app,
        Err(error) => {
            tracing::error!(%error, "cannot start");
            return ExitCode::FAILURE;
        }
    };
    tracing::info!(
        address = %app.local_addr(),
        database = ?app.state().store.kind(),
        public_url = %app.state().config.public_url,
        "authwalk is listening"
    );
    match app.run(shutdown_signal()).await {
        Ok(()) => ExitCode::SUCCESS,
        Err(error) => {
            tracing::error!(%error, "server stopped");
            ExitCode::FAILURE
        }
    }
}

async fn migrate(config: Config) -> ExitCode {
    let result = async {
        let store = Store::connect(&config.database).await?;
        store.migrate().await?;
        store.close().await;
        Ok::<_, authwalk::store::StoreError>(())
    }
    .await;
    match result {
        Ok(()) => {
            tracing::info!("migrations applied");
            ExitCode::SUCCESS
        }
        Err(error) => {
            tracing::error!(%error, "migration failed");
            ExitCode::FAILURE
        }
    }
}
