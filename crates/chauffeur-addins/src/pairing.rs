//! Pairing: how an add-in that cannot read the token file gets the user's approval.

use std::collections::BTreeMap;
use std::time::Duration;

use rand::Rng;
use serde::{Deserialize, Serialize};
use tokio::time::Instant;

use crate::error::AddinError;

/// How long a pairing waits for approval.
pub const PAIRING_TTL: Duration = Duration::from_secs(300);
/// Most pairings waiting at once.
pub const MAX_PENDING: usize = 16;
/// Letters that cannot be mistaken for one another.
const ALPHABET: &[u8] = b"ABCDEFGHJKMNPQRSTUVWXYZ23456789";

/// What `POST /v1/addins/pair` answers.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct PairingTicket {
    /// The code the user approves.
    pub code: String,
    /// The token the add-in registers with once approved.
    pub pairing_token: String,
    /// How long the code stays valid.
    pub expires_in_ms: u64,
}

/// A pairing as `chauffeur addins` lists it.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct PairingInfo {
    /// The code.
    pub code: String,
    /// The add-in id it would register.
    pub id: String,
    /// The add-in's name.
    pub name: String,
    /// Whether the user approved it.
    pub approved: bool,
}

struct Pairing {
    id: String,
    name: String,
    token: String,
    approved: bool,
    expires: Instant,
}

/// Pending pairings, by code.
#[derive(Default)]
pub struct Pairings {
    pending: BTreeMap<String, Pairing>,
}

impl Pairings {
    /// Starts a pairing for an add-in id.
    pub fn start(
        &mut self,
        id: String,
        name: String,
        token: String,
        now: Instant,
    ) -> Result<PairingTicket, AddinError> {
        self.expire(now);
        if self.pending.len() >= MAX_PENDING {
            return Err(AddinError::TooManyPairings);
        }
        let code = loop {
            let code = new_code();
            if !self.pending.contains_key(&code) {
                break code;
            }
        };
        self.pending.insert(
            code.clone(),
            Pairing {
                id,
                name,
                token: token.clone(),
                approved: false,
                expires: now + PAIRING_TTL,
            },
        );
        Ok(PairingTicket {
            code,
            pairing_token: token,
            expires_in_ms: PAIRING_TTL.as_millis() as u64,
        })
    }

    /// The user approves a code; answers the add-in id and name.
    pub fn approve(&mut self, code: &str, now: Instant) -> Result<(String, String), AddinError> {
        self.expire(now);
        let code = code.trim().to_ascii_uppercase();
        let pairing = self
            .pending
            .get_mut(&code)
            .ok_or_else(|| AddinError::UnknownPairing(code.clone()))?;
        pairing.approved = true;
        Ok((pairing.id.clone(), pairing.name.clone()))
    }

    /// The code and add-in id of a pairing token, if it is one.
    pub fn find_token(&self, token: &str, now: Instant) -> Option<(String, String)> {
        self.pending
            .iter()
            .find(|(_, p)| p.expires > now && crate::hub::same_token(&p.token, token))
            .map(|(code, p)| (code.clone(), p.id.clone()))
    }

    /// Spends an approved pairing for registering `id`.
    pub fn consume(&mut self, code: &str, id: &str) -> Result<(), AddinError> {
        let pairing = self
            .pending
            .get(code)
            .ok_or_else(|| AddinError::UnknownPairing(code.to_owned()))?;
        if pairing.id != id {
            return Err(AddinError::Scope(format!(
                "this pairing is for add-in {:?}, not {id:?}",
                pairing.id
            )));
        }
        if !pairing.approved {
            return Err(AddinError::PairingPending(code.to_owned()));
        }
        self.pending.remove(code);
        Ok(())
    }

    /// Pairings waiting now.
    pub fn list(&mut self, now: Instant) -> Vec<PairingInfo> {
        self.expire(now);
        self.pending
            .iter()
            .map(|(code, p)| PairingInfo {
                code: code.clone(),
                id: p.id.clone(),
                name: p.name.clone(),
                approved: p.approved,
            })
            .collect()
    }

    fn expire(&mut self, now: Instant) {
        self.pending.retain(|_, p| p.expires > now);
    }
}

fn new_code() -> String {
    let mut rng = rand::rng();
    let mut code = String::with_capacity(9);
    for i in 0..8 {
        if i == 4 {
            code.push('-');
        }
        code.push(ALPHABET[rng.random_range(0..ALPHABET.len())] as char);
    }
    code
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_pairing_must_be_approved_once_for_its_own_id() {
        let mut p = Pairings::default();
        let now = Instant::now();
        let ticket = p
            .start("browser".into(), "Browser".into(), "tok".into(), now)
            .expect("starts");
        assert_eq!(ticket.code.len(), 9);
        let (code, id) = p.find_token("tok", now).expect("known token");
        assert_eq!(id, "browser");
        assert_eq!(
            p.consume(&code, "browser"),
            Err(AddinError::PairingPending(code.clone()))
        );
        p.approve(&ticket.code.to_lowercase(), now)
            .expect("approves, any case");
        assert!(matches!(
            p.consume(&code, "other"),
            Err(AddinError::Scope(_))
        ));
        p.consume(&code, "browser").expect("consumed");
        assert!(p.find_token("tok", now).is_none(), "spent");
    }

    #[test]
    fn pairings_expire_and_are_bounded() {
        let mut p = Pairings::default();
        let now = Instant::now();
        for i in 0..MAX_PENDING {
            p.start(format!("a{i}"), "A".into(), format!("t{i}"), now)
                .expect("room");
        }
        assert_eq!(
            p.start("x".into(), "X".into(), "tx".into(), now).err(),
            Some(AddinError::TooManyPairings)
        );
        assert!(p.list(now + PAIRING_TTL).is_empty(), "all expired");
    }
}
