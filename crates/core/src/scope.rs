//! Scopes (RFC 6749 section 3.3) and the catalog that maps each scope this
//! server supports to the permissions it allows.

use std::collections::BTreeSet;
use std::fmt;

use serde::{Deserialize, Serialize};

use crate::permission::{Permission, PermissionSet};

/// The scope that lets a client receive refresh tokens.
pub const OFFLINE_ACCESS: &str = "offline_access";

/// One scope token: `1*( %x21 / %x23-5B / %x5D-7E )`.
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(try_from = "String", into = "String")]
pub struct Scope(String);

/// A scope string breaks the RFC 6749 section 3.3 grammar.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("invalid scope syntax: {0}")]
pub struct InvalidScopeSyntax(pub String);

impl Scope {
    /// Parses one scope token.
    pub fn parse(token: &str) -> Result<Scope, InvalidScopeSyntax> {
        let valid_char = |byte: u8| {
            byte == 0x21 || (0x23..=0x5B).contains(&byte) || (0x5D..=0x7E).contains(&byte)
        };
        if token.is_empty() || !token.bytes().all(valid_char) {
            return Err(InvalidScopeSyntax(
                "scopes must be separated by single spaces, and each may contain only printable \
                 ASCII other than space, double quote and backslash"
                    .to_owned(),
            ));
        }
        Ok(Scope(token.to_owned()))
    }

    /// Returns the scope as a string slice.
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl TryFrom<String> for Scope {
    type Error = InvalidScopeSyntax;

    fn try_from(value: String) -> Result<Self, Self::Error> {
        Scope::parse(&value)
    }
}

impl From<Scope> for String {
    fn from(scope: Scope) -> String {
        scope.0
    }
}

/// A set of scopes, kept sorted so that its text form is stable.
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(try_from = "String", into = "String")]
pub struct ScopeSet(BTreeSet<Scope>);

impl ScopeSet {
    /// Parses a space-delimited scope string. Tokens must be separated by
    /// exactly one space; repeated tokens collapse into one.
    pub fn parse(text: &str) -> Result<ScopeSet, InvalidScopeSyntax> {
        if text.is_empty() {
            return Ok(ScopeSet::default());
        }
        text.split(' ')
            .map(Scope::parse)
            .collect::<Result<_, _>>()
            .map(ScopeSet)
    }

    /// Builds a set from scope tokens that are already known to be valid,
    /// skipping any that are not.
    pub fn from_known<'a>(tokens: impl IntoIterator<Item = &'a str>) -> ScopeSet {
        ScopeSet(
            tokens
                .into_iter()
                .filter_map(|token| Scope::parse(token).ok())
                .collect(),
        )
    }

    /// Returns whether the set is empty.
    pub fn is_empty(&self) -> bool {
        self.0.is_empty()
    }

    /// Returns whether `scope` is in the set.
    pub fn contains(&self, scope: &str) -> bool {
        self.0.iter().any(|held| held.as_str() == scope)
    }

    /// Returns whether every scope of this set is in `other`.
    pub fn is_subset(&self, other: &ScopeSet) -> bool {
        self.0.is_subset(&other.0)
    }

    /// Returns the scopes in both sets.
    pub fn intersection(&self, other: &ScopeSet) -> ScopeSet {
        ScopeSet(self.0.intersection(&other.0).cloned().collect())
    }

    /// Returns the scopes in either set.
    pub fn union(&self, other: &ScopeSet) -> ScopeSet {
        ScopeSet(self.0.union(&other.0).cloned().collect())
    }

    /// Returns the scopes of this set that are not in `other`.
    pub fn difference(&self, other: &ScopeSet) -> ScopeSet {
        ScopeSet(self.0.difference(&other.0).cloned().collect())
    }

    /// Returns the scopes one by one, in sorted order.
    pub fn iter(&self) -> impl Iterator<Item = &Scope> {
        self.0.iter()
    }
}

impl fmt::Display for ScopeSet {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        for (index, scope) in self.0.iter().enumerate() {
            if index > 0 {
                f.write_str(" ")?;
            }
            f.write_str(scope.as_str())?;
        }
        Ok(())
    }
}

impl TryFrom<String> for ScopeSet {
    type Error = InvalidScopeSyntax;

    fn try_from(value: String) -> Result<Self, Self::Error> {
        ScopeSet::parse(&value)
    }
}

impl From<ScopeSet> for String {
    fn from(scopes: ScopeSet) -> String {
        scopes.to_string()
    }
}

impl FromIterator<Scope> for ScopeSet {
    fn from_iter<I: IntoIterator<Item = Scope>>(iter: I) -> Self {
        ScopeSet(iter.into_iter().collect())
    }
}

/// One scope the server supports: its name, the words the consent page shows
/// and the permissions it allows.
#[derive(Debug, Clone)]
pub struct CatalogEntry {
    /// The scope token.
    pub scope: Scope,
    /// Plain-words description for the consent page.
    pub description: String,
    /// Permissions a token with this scope may use.
    pub permissions: PermissionSet,
}

/// The scopes this server supports.
#[derive(Debug, Clone)]
pub struct ScopeCatalog {
    entries: Vec<CatalogEntry>,
}

impl ScopeCatalog {
    /// Builds a catalog from its entries.
    pub fn new(entries: Vec<CatalogEntry>) -> ScopeCatalog {
        ScopeCatalog { entries }
    }

    /// Returns the entry for `scope`, if the catalog has it.
    pub fn entry(&self, scope: &str) -> Option<&CatalogEntry> {
        self.entries
            .iter()
            .find(|entry| entry.scope.as_str() == scope)
    }

    /// Returns every entry.
    pub fn entries(&self) -> &[CatalogEntry] {
        &self.entries
    }

    /// Returns the scopes of `scopes` that the catalog does not have.
    pub fn unknown(&self, scopes: &ScopeSet) -> ScopeSet {
        scopes
            .iter()
            .filter(|scope| self.entry(scope.as_str()).is_none())
            .cloned()
            .collect()
    }

    /// Returns every scope in the catalog.
    pub fn all(&self) -> ScopeSet {
        self.entries
            .iter()
            .map(|entry| entry.scope.clone())
            .collect()
    }

    /// Returns the permissions that `scopes` allow together.
    pub fn permissions(&self, scopes: &ScopeSet) -> PermissionSet {
        scopes
            .iter()
            .filter_map(|scope| self.entry(scope.as_str()))
            .fold(PermissionSet::EMPTY, |set, entry| {
                set.union(entry.permissions)
            })
    }

    /// Returns the scopes of `scopes` whose every permission is in `allowed`:
    /// what a token may still use for a member with those permissions.
    pub fn effective(&self, scopes: &ScopeSet, allowed: PermissionSet) -> ScopeSet {
        scopes
            .iter()
            .filter(|scope| {
                self.entry(scope.as_str())
                    .is_some_and(|entry| allowed.includes(entry.permissions))
            })
            .cloned()
            .collect()
    }
}

impl Default for ScopeCatalog {
    /// The product's scopes.
    fn default() -> ScopeCatalog {
        let entry = |scope: &str, description: &str, permissions: &[Permission]| CatalogEntry {
            scope: Scope(scope.to_owned()),
            description: description.to_owned(),
            permissions: PermissionSet::of(permissions),
        };
        ScopeCatalog::new(vec![
            entry(
                "profile",
                "See your name and email address",
                &[Permission::ProfileRead],
            ),
            entry(
                "initiatives:read",
                "See initiatives",
                &[Permission::InitiativesRead],
            ),
            entry(
                "initiatives:write",
                "Create and change initiatives",
                &[Permission::InitiativesRead, Permission::InitiativesWrite],
            ),
            entry("comments:read", "See comments", &[Permission::CommentsRead]),
            entry(
                "comments:write",
                "Write comments in your name",
                &[Permission::CommentsRead, Permission::CommentsWrite],
            ),
            entry("bugs:read", "See bugs", &[Permission::BugsRead]),
            entry(
                "bugs:write",
                "File and change bugs",
                &[Permission::BugsRead, Permission::BugsWrite],
            ),
            entry(
                "agents:run",
                "Start agents in your name",
                &[Permission::AgentsRun],
            ),
            entry(
                OFFLINE_ACCESS,
                "Keep access when you are not using the app",
                &[],
            ),
        ])
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::permission::Role;

    #[test]
    fn parse_accepts_rfc_characters() {
        let scopes = ScopeSet::parse("bugs:read a!#[]~").unwrap();
        assert!(scopes.contains("bugs:read"));
        assert!(scopes.contains("a!#[]~"));
    }

    #[test]
    fn parse_rejects_quote_and_backslash() {
        assert!(ScopeSet::parse("a\"b").is_err());
        assert!(ScopeSet::parse("a\\b").is_err());
    }

    #[test]
    fn parse_rejects_double_space() {
        assert!(ScopeSet::parse("a  b").is_err());
        assert!(ScopeSet::parse(" a").is_err());
        assert!(ScopeSet::parse("a ").is_err());
    }

    #[test]
    fn parse_rejects_non_ascii() {
        assert!(ScopeSet::parse("caf\u{e9}").is_err());
        assert!(ScopeSet::parse("a\tb").is_err());
    }

    #[test]
    fn display_is_sorted_and_deduplicated() {
        let scopes = ScopeSet::parse("b a b").unwrap();
        assert_eq!(scopes.to_string(), "a b");
    }

    #[test]
    fn subset_checks() {
        let wide = ScopeSet::parse("a b c").unwrap();
        let narrow = ScopeSet::parse("a c").unwrap();
        assert!(narrow.is_subset(&wide));
        assert!(!wide.is_subset(&narrow));
        assert!(ScopeSet::default().is_subset(&narrow));
    }

    #[test]
    fn catalog_reports_unknown_scopes() {
        let catalog = ScopeCatalog::default();
        let scopes = ScopeSet::parse("bugs:read admin:everything").unwrap();
        assert_eq!(catalog.unknown(&scopes).to_string(), "admin:everything");
    }

    #[test]
    fn effective_scopes_follow_role() {
        let catalog = ScopeCatalog::default();
        let scopes = ScopeSet::parse("bugs:read bugs:write offline_access").unwrap();
        let guest = catalog.effective(&scopes, Role::Guest.permissions());
        assert_eq!(guest.to_string(), "bugs:read offline_access");
        let member = catalog.effective(&scopes, Role::Member.permissions());
        assert_eq!(member, scopes);
    }
}
