//! The `authwalk` binary: parse configuration, start logging, then serve or run a command.

use std::process::ExitCode;

use authwalk::config::RawConfig;
use authwalk::store::Store;
use authwalk::{App, shutdown_signal, telemetry};
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
    }
}

async fn serve(config: authwalk::config::Config) -> ExitCode {
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

async fn migrate(config: authwalk::config::Config) -> ExitCode {
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
