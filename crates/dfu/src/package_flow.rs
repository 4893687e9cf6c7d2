//! The package flow (messages 38-43): `offline_install.bin` in 2048-byte packets, as the SDK's
//! `dfu_ctrl.c` takes it (docs/send.md, spec section 4.2 and its measurements).
//!
//! Rules the code below follows: the start request names `file_len, packet_count, crc`; the
//! same three values make the device resume at `completed_count`. The sender waits for every
//! `PACKET_RSP` unless the start response announces a frequency (then it keeps at most two
//! frequencies of packets unconfirmed). A missing response, above all after the last packet,
//! is answered by a new start request, whose `completed_count` is the truth. An error response
//! with `retransmission` rewinds to its `completed_count`. `FW_INVALID` at the end: the device
//! reboots, so reconnect and start again from packet 1 (once). A start response below what the
//! device had confirmed means it restarted (a power cut): continue from what it reports.

use crate::error::DfuError;
use crate::flow::{expect, read, with_reconnects, Event, Options, Report, Session};
use crate::link::{Channel, Connector, Stats};
use crate::msg::{id, Message};
use crate::raw::*;
use zerocopy::FromBytes;

/// Bytes per packet (the device's buffer; the last packet is shorter).
pub const PACKET_LEN: usize = 2048;
/// `version` of the 16-byte start request.
pub const START_VERSION: u8 = 1;
/// Consecutive unanswered waits that are asked again before the transfer fails.
const MAX_ASKS: u32 = 3;

/// A package read for sending: its bytes and the three values of the start request.
#[derive(Debug, Clone, Copy)]
pub struct PackageJob<'a> {
    bytes: &'a [u8],
    crc: u32,
    count: u32,
}

impl<'a> PackageJob<'a> {
    /// Checks that `bytes` is an offline package (magic at 0) and takes its CRC field.
    pub fn new(bytes: &'a [u8]) -> Result<Self, DfuError> {
        let (h, _) = package::v2::raw::OfflineHeader::read_from_prefix(bytes).map_err(|_| {
            DfuError::Input {
                what: format!(
                    "{} bytes are too few for an offline package header",
                    bytes.len()
                ),
            }
        })?;
        if h.magic.get() != package::v2::raw::MAGIC {
            return Err(DfuError::Input {
                what: format!(
                    "magic {:#010x} at offset 0 is not an offline package's ({:#010x})",
                    h.magic.get(),
                    package::v2::raw::MAGIC
                ),
            });
        }
        let count = bytes.len().div_ceil(PACKET_LEN);
        let count = u32::try_from(count)
            .ok()
            .filter(|_| u32::try_from(bytes.len()).is_ok())
            .ok_or_else(|| DfuError::Input {
                what: format!(
                    "{} bytes do not fit the start request's u32 length",
                    bytes.len()
                ),
            })?;
        Ok(PackageJob {
            bytes,
            crc: h.crc.get(),
            count,
        })
    }

    /// Packets in the transfer.
    pub fn packet_count(&self) -> u32 {
        self.count
    }

    /// `IMAGE_PACKAGE_START_REQ` (16 bytes, or the old 12 with `legacy`).
    pub fn start_request(&self, legacy: bool) -> Message {
        let file_len = (self.bytes.len() as u32).into();
        if legacy {
            let r = DfuImagePackageStartReq {
                file_len,
                packet_count: self.count.into(),
                crc_value: self.crc.into(),
            };
            Message::new(id::IMAGE_PACKAGE_START_REQ, &r, &[])
        } else {
            let r = DfuImagePackageStartReqV1 {
                file_len,
                packet_count: self.count.into(),
                crc_value: self.crc.into(),
                version: START_VERSION,
                ..Default::default()
            };
            Message::new(id::IMAGE_PACKAGE_START_REQ, &r, &[])
        }
    }

    /// `IMAGE_PACKAGE_PACKET_REQ` for 1-based `index`.
    pub fn packet(&self, index: u32) -> Message {
        let at = (index as usize - 1) * PACKET_LEN;
        let data = &self.bytes[at..(at + PACKET_LEN).min(self.bytes.len())];
        let head = DfuImagePackagePacketReq {
            packet_index: index.into(),
            data_len: (data.len() as u32).into(),
            crc: package::crc32_mpeg2(data).into(),
        };
        Message::new(id::IMAGE_PACKAGE_PACKET_REQ, &head, data)
    }
}

/// Sends `pkg` (the bytes of `offline_install.bin`) to the device `connector` reaches.
pub fn send_package(
    connector: &mut dyn Connector,
    pkg: &[u8],
    opts: &Options,
    on: &mut dyn FnMut(&Event),
) -> Result<Report, DfuError> {
    let job = PackageJob::new(pkg)?;
    let mut stats = Stats::default();
    let mut st = State::default();
    with_reconnects(opts, &mut stats, on, |stats, on| {
        let mut ch = Channel::open(connector, stats)?;
        on(&Event::Connected {
            connection: ch.stats().connections,
            mtu: ch.mtu(),
        });
        let r = session(&mut ch, &job, opts, &mut st, on);
        ch.close();
        r
    })?;
    Ok(Report {
        stats,
        packets: u64::from(job.count),
    })
}

/// What survives a reconnect.
#[derive(Default)]
struct State {
    /// Packets the device has confirmed.
    confirmed: u32,
    /// Restarts from 0 after `FW_INVALID`.
    invalid_restarts: u32,
}

/// Sends the start request, returns `(completed_count, response_frequency)`.
fn start(
    ch: &mut Channel<'_>,
    job: &PackageJob<'_>,
    opts: &Options,
) -> Result<(u32, u8), DfuError> {
    ch.send(&job.start_request(opts.legacy_start))?;
    let m = expect(
        ch,
        id::IMAGE_PACKAGE_START_RSP,
        "IMAGE_PACKAGE_START_RSP",
        opts.timeout,
    )?;
    let r: DfuImagePackageStartRsp = read(&m, "IMAGE_PACKAGE_START_RSP")?;
    if r.result.get() != 0 {
        return Err(DfuError::rejected(
            "IMAGE_PACKAGE_START_REQ",
            r.result.get(),
        ));
    }
    let done = r.completed_count.get();
    if done > job.count {
        return Err(DfuError::Protocol {
            what: format!(
                "IMAGE_PACKAGE_START_RSP reports {done} packets completed of {}",
                job.count
            ),
        });
    }
    // The old start request gets the old behaviour: a response for every packet.
    let freq = if opts.legacy_start {
        1
    } else {
        r.response_frequency
    };
    Ok((done, freq))
}

fn session(
    ch: &mut Channel<'_>,
    job: &PackageJob<'_>,
    opts: &Options,
    st: &mut State,
    on: &mut dyn FnMut(&Event),
) -> Result<Session, DfuError> {
    let (done, freq) = start(ch, job, opts)?;
    // Stop-and-wait unless the device said it answers every `freq` packets.
    let window = if freq > 1 { 2 * u32::from(freq) } else { 1 };
    let mut t = Transfer {
        ch,
        job,
        opts,
        st,
        on,
        window,
        next: 0,
        asks: 0,
        retries: 0,
        stale: 0,
    };
    t.resume_at(done);
    while t.st.confirmed < job.count {
        t.fill()?;
        match t.ch.wait(opts.timeout)? {
            None => t.ask_again()?,
            Some(m) if m.id == id::IMAGE_PACKAGE_PACKET_RSP => {
                t.asks = 0;
                t.answer(read(&m, "IMAGE_PACKAGE_PACKET_RSP")?)?;
            }
            // A late or repeated answer to an earlier request.
            Some(m) if crate::msg::is_reply(m.id) => {}
            Some(m) => {
                return Err(DfuError::Protocol {
                    what: format!(
                        "message {} while waiting for IMAGE_PACKAGE_PACKET_RSP",
                        m.id
                    ),
                })
            }
        }
    }
    end(ch, opts, st, on)
}

/// The packet loop of one connection.
struct Transfer<'t, 'c, 'j> {
    ch: &'t mut Channel<'c>,
    job: &'t PackageJob<'j>,
    opts: &'t Options,
    st: &'t mut State,
    on: &'t mut dyn FnMut(&Event),
    /// Packets that may be unconfirmed.
    window: u32,
    /// The next packet to send.
    next: u32,
    /// Unanswered waits in a row.
    asks: u32,
    /// Error answers for the current packet.
    retries: u32,
    /// Error answers still due for packets sent before a rewind (pipelined only).
    stale: u32,
}

impl Transfer<'_, '_, '_> {
    /// Goes on from `done` packets the device reports holding.
    fn resume_at(&mut self, done: u32) {
        if done < self.st.confirmed {
            (self.on)(&Event::DeviceRestarted {
                confirmed: self.st.confirmed,
                reported: done,
            });
        }
        self.st.confirmed = done;
        self.next = done + 1;
        self.stale = 0;
        (self.on)(&Event::Start {
            image: None,
            from_packet: self.next,
            total: self.job.count,
        });
    }

    /// Sends packets while the window allows.
    fn fill(&mut self) -> Result<(), DfuError> {
        while self.next <= self.job.count && self.next <= self.st.confirmed + self.window {
            self.ch.send(&self.job.packet(self.next))?;
            self.ch.stats().data_packets += 1;
            self.next += 1;
        }
        Ok(())
    }

    /// No answer: a new start request reports what the device holds.
    fn ask_again(&mut self) -> Result<(), DfuError> {
        self.asks += 1;
        if self.asks > MAX_ASKS {
            let secs = self.opts.timeout.as_secs();
            return Err(DfuError::Timeout {
                waiting_for: "IMAGE_PACKAGE_PACKET_RSP",
                secs,
            });
        }
        let (done, _) = start(self.ch, self.job, self.opts)?;
        self.resume_at(done);
        Ok(())
    }

    fn answer(&mut self, r: DfuImagePackagePacketRsp) -> Result<(), DfuError> {
        let (count, total) = (r.completed_count.get(), self.job.count);
        if r.result.get() == 0 {
            // Older SDKs report 0 on success: then the answered packet is the one sent.
            let acked = match count {
                0 if self.window == 1 => self.next - 1,
                0 => self.st.confirmed,
                c => c,
            };
            if acked > total {
                return Err(DfuError::Protocol {
                    what: format!("IMAGE_PACKAGE_PACKET_RSP confirms {acked} packets of {total}"),
                });
            }
            if acked > self.st.confirmed {
                self.retries = 0;
            }
            self.st.confirmed = self.st.confirmed.max(acked);
            (self.on)(&Event::Progress {
                image: None,
                done: self.st.confirmed,
                total,
            });
            return Ok(());
        }
        if r.retransmission == 0 {
            return Err(DfuError::rejected(
                format!("packet {}", count + 1),
                r.result.get(),
            ));
        }
        if self.stale > 0 && count == self.st.confirmed {
            self.stale -= 1;
            return Ok(());
        }
        self.rewind(count, r.result.get())
    }

    /// The device wants packets again from `count + 1`.
    fn rewind(&mut self, count: u32, code: u16) -> Result<(), DfuError> {
        self.retries += 1;
        if self.retries > self.opts.max_retries || count > self.job.count {
            let step = format!("packet {} (sent {} times)", count + 1, self.retries);
            return Err(DfuError::rejected(step, code));
        }
        let reason = crate::msg::DeviceCode(code).to_string();
        (self.on)(&Event::Retransmit {
            image: None,
            from_packet: count + 1,
            reason,
        });
        self.st.confirmed = count;
        // Packets already sent after the failed one each draw an error of their own.
        self.stale = (self.next - 1).saturating_sub(count + 1);
        self.next = count + 1;
        Ok(())
    }
}

fn end(
    ch: &mut Channel<'_>,
    opts: &Options,
    st: &mut State,
    on: &mut dyn FnMut(&Event),
) -> Result<Session, DfuError> {
    ch.send(&Message::new(
        id::IMAGE_PACKAGE_END_REQ,
        &DfuImagePackageEndReq::default(),
        &[],
    ))?;
    on(&Event::Installing);
    let m = expect(
        ch,
        id::IMAGE_PACKAGE_END_RSP,
        "IMAGE_PACKAGE_END_RSP",
        opts.timeout,
    )?;
    let r: DfuImagePackageEndRsp = read(&m, "IMAGE_PACKAGE_END_RSP")?;
    match r.result.get() {
        0 => Ok(Session::Done),
        // The device reboots after FW_INVALID: everything is sent again, once.
        8 if st.invalid_restarts == 0 => {
            st.invalid_restarts += 1;
            st.confirmed = 0;
            Ok(Session::Again("IMAGE_PACKAGE_END_RSP 8 (FW_INVALID): the device reboots; sending again from packet 1".into()))
        }
        code => Err(DfuError::rejected("IMAGE_PACKAGE_END_REQ", code)),
    }
}
