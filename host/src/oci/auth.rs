//! Registry credentials from docker's `config.json` (`$DOCKER_CONFIG`, else `~/.docker`),
//! including `credsStore`/`credHelpers`, through the `docker_credential` crate. No entry means
//! anonymous access.

use docker_credential::{CredentialRetrievalError, DockerCredential};
use oci_client::secrets::RegistryAuth;

/// Docker Hub's entry in config.json is keyed by its legacy index URL.
const DOCKER_HUB_KEY: &str = "https://index.docker.io/v1/";

pub fn for_registry(registry: &str) -> RegistryAuth {
    let key = match registry {
        "docker.io" | "index.docker.io" | "registry-1.docker.io" => DOCKER_HUB_KEY,
        other => other,
    };
    match docker_credential::get_credential(key) {
        Ok(DockerCredential::UsernamePassword(user, password)) => {
            crate::debug!("using docker credentials of {user} for {registry}");
            RegistryAuth::Basic(user, password)
        }
        Ok(DockerCredential::IdentityToken(token)) => {
            crate::debug!("using a docker identity token for {registry}");
            RegistryAuth::Bearer(token)
        }
        Err(
            CredentialRetrievalError::NoCredentialConfigured
            | CredentialRetrievalError::ConfigNotFound
            | CredentialRetrievalError::ConfigReadError,
        ) => RegistryAuth::Anonymous,
        Err(e) => {
            // A broken helper or entry should not hide public artifacts; say why auth is off.
            eprintln!("krmwasm: warning: ignoring docker credentials for {registry}: {e}");
            RegistryAuth::Anonymous
        }
    }
}
