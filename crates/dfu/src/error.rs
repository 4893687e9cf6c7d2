//! The one error type of a transfer.

use crate::link::LinkError;
use crate::msg::DeviceCode;

/// Why a transfer did not finish.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum DfuError {
    /// The device answered a request with an error code that ends the transfer.
    #[error("the device rejected {step}: result {code}: {advice}")]
    Rejected {
        /// The request (e.g. "IMAGE_PACKAGE_START_REQ").
        step: String,
        /// The device's code.
        code: DeviceCode,
        /// What it means and what to do.
        advice: &'static str,
    },
    /// No answer in time.
    #[error("no {waiting_for} from the device within {secs} s")]
    Timeout {
        /// The expected message.
        waiting_for: &'static str,
        /// The timeout in seconds.
        secs: u64,
    },
    /// The link failed and reconnecting did not help.
    #[error("gave up after {attempts} connections")]
    GaveUp {
        /// Connections made.
        attempts: u32,
        /// The last failure.
        #[source]
        last: Box<DfuError>,
    },
    /// A link failure.
    #[error(transparent)]
    Link(#[from] LinkError),
    /// The device broke the protocol.
    #[error("the device broke the protocol: {what}")]
    Protocol {
        /// What it did.
        what: String,
    },
    /// The input is not what the flow sends.
    #[error("{what}")]
    Input {
        /// What is wrong with it.
        what: String,
    },
}

impl DfuError {
    /// The device refused the transfer (exit 1), as opposed to a failure to talk to it (exit 2).
    pub fn is_rejection(&self) -> bool {
        match self {
            DfuError::Rejected { .. } => true,
            DfuError::GaveUp { last, .. } => last.is_rejection(),
            _ => false,
        }
    }

    /// A failure a new connection may cure (the link dropped, an answer never came).
    pub(crate) fn retryable(&self) -> bool {
        matches!(
            self,
            DfuError::Link(LinkError::Disconnected) | DfuError::Timeout { .. }
        )
    }

    pub(crate) fn rejected(step: impl Into<String>, code: u16) -> Self {
        let code = DeviceCode(code);
        DfuError::Rejected {
            step: step.into(),
            code,
            advice: crate::msg::DEVICE_CODES
                .iter()
                .find(|c| c.0 == code.0)
                .map_or("a code the SDK does not define", |c| c.2),
        }
    }
}
