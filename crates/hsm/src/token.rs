//! Opening a token: load the module, choose the token the URI names, log in, find the key.

use crate::{HsmError, Pin, TokenAccess};
use cryptoki::context::{CInitializeArgs, CInitializeFlags, Pkcs11};
use cryptoki::error::{Error as CkError, RvError};
use cryptoki::object::{Attribute, AttributeType, KeyType, ObjectClass, ObjectHandle};
use cryptoki::session::{Session, UserType};
use cryptoki::slot::{Slot, TokenInfo};
use cryptoki::types::AuthPin;
use sign::Pkcs11Uri;

/// An open session on the token the URI names, with the key objects it names.
pub(crate) struct Opened {
    pub session: Session,
    /// The token label, for messages.
    pub token: String,
    /// The URI's object/id, for messages.
    pub object: String,
    /// The public key object with the same label/id, if the token has one.
    pub public: Option<ObjectHandle>,
    /// The key: the private key when opened to sign (it makes the signatures), else the
    /// public key object (or the private one, seen with a PIN). Its attributes are read first.
    pub handle: ObjectHandle,
    /// The key's type (`CKA_KEY_TYPE`).
    pub key_type: KeyType,
}

/// How the URI names the key in messages: `object=NAME`, `id=%01`, or both.
fn object_name(uri: &Pkcs11Uri) -> String {
    let named = Pkcs11Uri {
        object: uri.object.clone(),
        id: uri.id.clone(),
        ..Pkcs11Uri::default()
    };
    named
        .to_string()
        .trim_start_matches(sign::pkcs11_uri::SCHEME)
        .to_owned()
}

fn load(access: &TokenAccess) -> Result<Pkcs11, HsmError> {
    let module = &access.module;
    let ctx = Pkcs11::new(module).map_err(|source| HsmError::Module {
        module: module.clone(),
        source,
    })?;
    match ctx.initialize(CInitializeArgs::new(CInitializeFlags::OS_LOCKING_OK)) {
        // Another signer of this process initialised the same module already.
        Ok(()) | Err(CkError::Pkcs11(RvError::CryptokiAlreadyInitialized, _)) => Ok(ctx),
        Err(source) => Err(HsmError::Call {
            module: module.clone(),
            op: "C_Initialize",
            source,
        }),
    }
}

fn matches(uri: &Pkcs11Uri, slot: Slot, info: &TokenInfo) -> bool {
    let eq = |want: &Option<String>, have: &str| want.as_deref().is_none_or(|w| w == have.trim());
    info.token_initialized()
        && eq(&uri.token, info.label())
        && eq(&uri.manufacturer, info.manufacturer_id())
        && eq(&uri.model, info.model())
        && eq(&uri.serial, info.serial_number())
        && uri.slot_id.is_none_or(|n| n == slot.id())
}

fn describe(slot: Slot, info: &TokenInfo) -> String {
    if info.token_initialized() {
        format!(
            "{:?} (serial {}, slot {})",
            info.label().trim(),
            info.serial_number().trim(),
            slot.id()
        )
    } else {
        format!("uninitialised token in slot {}", slot.id())
    }
}

/// The token the URI names.
struct Found {
    slot: Slot,
    /// Its label, for messages.
    label: String,
    /// Whether its keys need a login (`CKF_LOGIN_REQUIRED`).
    login_required: bool,
}

fn find_token(ctx: &Pkcs11, uri: &Pkcs11Uri, access: &TokenAccess) -> Result<Found, HsmError> {
    let call = |op| {
        let module = access.module.clone();
        move |source| HsmError::Call { module, op, source }
    };
    let slots = ctx.get_slots_with_token().map_err(call("C_GetSlotList"))?;
    let mut all = Vec::new();
    let mut hits = Vec::new();
    for slot in slots {
        let info = ctx.get_token_info(slot).map_err(call("C_GetTokenInfo"))?;
        all.push(describe(slot, &info));
        if matches(uri, slot, &info) {
            let found = Found {
                slot,
                label: info.label().trim().to_owned(),
                login_required: info.login_required(),
            };
            hits.push((found, describe(slot, &info)));
        }
    }
    match hits.len() {
        1 => Ok(hits.remove(0).0),
        0 => Err(HsmError::NoToken {
            uri: uri.to_string(),
            module: access.module.clone(),
            found: if all.is_empty() {
                "none".into()
            } else {
                all.join(", ")
            },
        }),
        count => Err(HsmError::AmbiguousToken {
            uri: uri.to_string(),
            module: access.module.clone(),
            count,
            found: hits.into_iter().map(|h| h.1).collect::<Vec<_>>().join(", "),
        }),
    }
}

fn template(uri: &Pkcs11Uri, class: ObjectClass) -> Vec<Attribute> {
    let mut t = vec![Attribute::Class(class)];
    if let Some(label) = &uri.object {
        t.push(Attribute::Label(label.as_bytes().to_vec()));
    }
    if let Some(id) = &uri.id {
        t.push(Attribute::Id(id.clone()));
    }
    t
}

/// Logs in with the PIN if one is given; without one, refuses a token that needs it when
/// the private key is needed.
fn login(
    session: &Session,
    found: &Found,
    pin: Option<&Pin>,
    private: bool,
) -> Result<(), HsmError> {
    match pin {
        Some(pin) => session
            .login(UserType::User, Some(&AuthPin::from(pin.as_str())))
            .map_err(|source| HsmError::Login {
                token: found.label.clone(),
                source,
            }),
        None if private && found.login_required => Err(HsmError::PinNeeded {
            token: found.label.clone(),
        }),
        None => Ok(()),
    }
}

impl Opened {
    /// Opens the key `uri` names. `private`: the private key must be there (to sign); else
    /// only its public half is read (`getpub`), with or without a PIN.
    pub fn open(uri: &Pkcs11Uri, access: &TokenAccess, private: bool) -> Result<Self, HsmError> {
        let ctx = load(access)?;
        let found = find_token(&ctx, uri, access)?;
        let call = |op| {
            let module = access.module.clone();
            move |source| HsmError::Call { module, op, source }
        };
        let session = ctx
            .open_ro_session(found.slot)
            .map_err(call("C_OpenSession"))?;
        login(&session, &found, access.pin.as_ref(), private)?;
        let (token, object) = (found.label, object_name(uri));
        let find = |class| {
            session
                .find_objects(&template(uri, class))
                .map_err(call("C_FindObjects"))
        };
        // With a PIN, private keys are visible: getpub of an RSA key without a public object.
        let privates = if private || access.pin.is_some() {
            find(ObjectClass::PRIVATE_KEY)?
        } else {
            Vec::new()
        };
        if privates.len() > 1 {
            let count = privates.len();
            return Err(HsmError::AmbiguousObject {
                token,
                object,
                count,
            });
        }
        let publics = find(ObjectClass::PUBLIC_KEY)?;
        let private_key = privates.first().copied();
        let public = (publics.len() == 1).then(|| publics[0]);
        // To sign, the private key; to read the public half, either.
        let handle = if private {
            private_key
        } else {
            public.or(private_key)
        };
        let Some(handle) = handle else {
            let what = if private { "private key" } else { "key" };
            return Err(HsmError::NoObject {
                token,
                object,
                what,
            });
        };
        let mut opened = Opened {
            session,
            token,
            object,
            public,
            handle,
            key_type: KeyType::RSA,
        };
        opened.key_type = match opened.attribute(handle, AttributeType::KeyType)? {
            Attribute::KeyType(t) => t,
            _ => return Err(opened.public_error("CKA_KEY_TYPE has an unexpected type".into())),
        };
        Ok(opened)
    }

    /// One attribute of `object`.
    pub fn attribute(
        &self,
        object: ObjectHandle,
        which: AttributeType,
    ) -> Result<Attribute, HsmError> {
        let got = self
            .session
            .get_attributes(object, &[which])
            .map_err(|e| self.public_error(format!("cannot read {which}: {e}")))?;
        got.into_iter()
            .next()
            .ok_or_else(|| self.public_error(format!("the token does not expose {which}")))
    }

    /// A [`HsmError::PublicKey`] about this key.
    pub fn public_error(&self, reason: String) -> HsmError {
        HsmError::PublicKey {
            token: self.token.clone(),
            object: self.object.clone(),
            reason,
        }
    }

    /// A [`HsmError::WrongKey`] about this key.
    pub fn wrong_key(&self, expected: &'static str, found: String) -> HsmError {
        HsmError::WrongKey {
            token: self.token.clone(),
            object: self.object.clone(),
            expected,
            found,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn access(module: &std::path::Path) -> TokenAccess {
        TokenAccess {
            module: module.to_path_buf(),
            pin: Some(Pin::new("123456\n")),
        }
    }

    #[test]
    fn a_file_that_is_not_a_pkcs11_module_is_named_in_the_error() {
        let dir = tempfile::tempdir().unwrap();
        let fake = dir.path().join("fake.so");
        std::fs::write(&fake, b"not a shared library").unwrap();
        let uri = Pkcs11Uri::parse("pkcs11:token=t;object=k").unwrap();
        for module in [fake, dir.path().join("missing.so")] {
            let err = Opened::open(&uri, &access(&module), true).err().unwrap();
            assert!(matches!(err, HsmError::Module { .. }), "{err:?}");
            let text = err.to_string();
            assert!(text.contains(&module.display().to_string()), "{text}");
            assert!(
                text.contains("not") || text.contains("cannot load"),
                "{text}"
            );
            assert!(!text.contains("123456"), "{text}");
        }
    }

    #[test]
    fn keys_are_named_by_object_and_id_in_messages() {
        let uri = Pkcs11Uri::parse("pkcs11:token=t;object=fw%20sign;id=%01%ab").unwrap();
        assert_eq!(object_name(&uri), "object=fw%20sign;id=%01%AB");
    }

    #[test]
    fn a_pin_file_line_break_is_not_part_of_the_pin_and_debug_hides_it() {
        assert_eq!(Pin::new("1234\n").as_str(), "1234");
        assert_eq!(Pin::new("1234\r\n").as_str(), "1234");
        assert_eq!(Pin::new("12 34").as_str(), "12 34");
        assert_eq!(
            format!("{:?}", access(std::path::Path::new("m.so")))
                .matches("123456")
                .count(),
            0
        );
    }
}
