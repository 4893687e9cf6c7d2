//! The secure online flow (messages 0-20 and 32-37): `ctrl_packet.bin` and one record file per
//! image, as the phone sends them to `sol/dfu_ctrl_sol.c` (docs/send.md, spec section 4.3 and
//! its measurements).
//!
//! Order: `INIT_REQUEST_EXT(ctrl)` to the app; `INIT_RESPONSE_EXT` says whether the device can
//! resume (`resume_status`, `curr_img`, `curr_packet_num`) and whether it reboots into the OTA
//! manager (`is_boot`: then the sender reconnects); `INIT_COMPLETED_IND_EXT(resume)`. Then per
//! image in ascending id: `IMAGE_SEND_START`, one record per `IMAGE_SEND_PACKET`, a response
//! every `num_of_rsp` packets and after the last, `IMAGE_SEND_END`. Then `TRANSMISSION_END`
//! (never before every image is in: the device would erase to the end of flash) and `END_IND`.
//! The device reboots after every error, so every failure is answered by a new connection
//! and a new `INIT_REQUEST_EXT`, which resumes where the device saved its progress (at the start
//! of the current image after a power cut).

use crate::error::DfuError;
use crate::flow::{expect, read, with_reconnects, Event, Options, Report, Session};
use crate::link::{Channel, Connector, Stats};
use crate::msg::{id, DeviceCode, Message};
use crate::raw::*;
use secure::record::{split_records, RecordHeader, RECORD_HEADER_LEN};
use zerocopy::FromBytes;

/// One image: its id, its record file and the records in it.
#[derive(Debug, Clone)]
pub struct SecureImage<'a> {
    /// Image id.
    pub id: u8,
    /// The whole record file (`img_length` is its size).
    pub file: &'a [u8],
    /// One slice per record (header and block): one packet each.
    pub records: Vec<&'a [u8]>,
}

impl<'a> SecureImage<'a> {
    /// Splits `file` into records of blocks of `bksize` bytes, or of the block size the file's
    /// own record offsets give (the second record's offset) when `bksize` is `None`.
    pub fn new(id: u8, file: &'a [u8], bksize: Option<u16>) -> Result<Self, DfuError> {
        let err = |what: String| DfuError::Input {
            what: format!("record file of image {id}: {what}"),
        };
        if file.len() <= RECORD_HEADER_LEN {
            return Err(err(format!(
                "{} bytes hold no record (36-byte header and a block)",
                file.len()
            )));
        }
        let bksize = match bksize {
            Some(b) => b,
            None => detect_bksize(file).ok_or_else(|| {
                err("no block size makes the record offsets 0, b, 2b, ...; give --bksize".into())
            })?,
        };
        let parts = split_records(file, bksize).map_err(|e| err(e.to_string()))?;
        for (k, (pos, h, _)) in parts.iter().enumerate() {
            if h.offset.get() as usize != k * usize::from(bksize) {
                return Err(err(format!("record {} at offset {pos} holds block offset {}, expected {} (block size {bksize})", k + 1, h.offset.get(), k * usize::from(bksize))));
            }
        }
        if u16::try_from(parts.len()).is_err() || u32::try_from(file.len()).is_err() {
            return Err(err(format!(
                "{} records do not fit the 16-bit packet index",
                parts.len()
            )));
        }
        let step = RECORD_HEADER_LEN + usize::from(bksize);
        let records = parts
            .iter()
            .map(|(pos, _, _)| &file[*pos..(pos + step).min(file.len())])
            .collect();
        Ok(SecureImage { id, file, records })
    }
}

/// The block size a record file was made with: the `b` for which the record after the first
/// (at `36 + b`) holds block offset `b`; a file of one record gives its block length.
fn detect_bksize(file: &[u8]) -> Option<u16> {
    let one = file.len() - RECORD_HEADER_LEN;
    (1..one)
        .filter(|&b| {
            file.get(RECORD_HEADER_LEN + b..)
                .and_then(|r| RecordHeader::read_from_prefix(r).ok())
                .is_some_and(|(h, _)| h.offset.get() as usize == b)
        })
        .filter_map(|b| u16::try_from(b).ok())
        .find(|&b| {
            split_records(file, b).is_ok_and(|p| {
                p.iter()
                    .enumerate()
                    .all(|(k, (_, h, _))| h.offset.get() as usize == k * usize::from(b))
            })
        })
        .or_else(|| u16::try_from(one).ok())
}

/// The control packet and the images, sorted by ascending id (the order the phone sends).
#[derive(Debug, Clone)]
pub struct SecureJob<'a> {
    /// `ctrl_packet.bin`.
    pub ctrl: &'a [u8],
    /// The images.
    pub images: Vec<SecureImage<'a>>,
}

impl<'a> SecureJob<'a> {
    /// A job; refuses no image and repeated ids.
    pub fn new(ctrl: &'a [u8], mut images: Vec<SecureImage<'a>>) -> Result<Self, DfuError> {
        images.sort_by_key(|i| i.id);
        if images.is_empty() {
            return Err(DfuError::Input {
                what: "no record file: give --record ID=FILE for each image".into(),
            });
        }
        if let Some(w) = images.windows(2).find(|w| w[0].id == w[1].id) {
            return Err(DfuError::Input {
                what: format!("image id {} is given twice", w[0].id),
            });
        }
        if u16::try_from(ctrl.len()).is_err() {
            return Err(DfuError::Input {
                what: format!(
                    "control packet of {} bytes does not fit a message",
                    ctrl.len()
                ),
            });
        }
        Ok(SecureJob { ctrl, images })
    }

    fn packets(&self) -> u64 {
        self.images.iter().map(|i| i.records.len() as u64).sum()
    }
}

/// Where the next connection starts: image index and packets of it the device holds.
#[derive(Default)]
struct State {
    image: usize,
    held: u32,
    retries: u32,
}

/// Sends `job` to the device `connector` reaches.
pub fn send_secure(
    connector: &mut dyn Connector,
    job: &SecureJob<'_>,
    opts: &Options,
    on: &mut dyn FnMut(&Event),
) -> Result<Report, DfuError> {
    let mut stats = Stats::default();
    let mut st = State::default();
    with_reconnects(opts, &mut stats, on, |stats, on| {
        session(connector, stats, job, opts, &mut st, on)
    })?;
    Ok(Report {
        stats,
        packets: job.packets(),
    })
}

fn session(
    connector: &mut dyn Connector,
    stats: &mut Stats,
    job: &SecureJob<'_>,
    opts: &Options,
    st: &mut State,
    on: &mut dyn FnMut(&Event),
) -> Result<Session, DfuError> {
    let mut ch = Channel::open(connector, stats)?;
    on(&Event::Connected {
        connection: ch.stats().connections,
        mtu: ch.mtu(),
    });
    let (saved_rsp, is_boot) = init(&mut ch, job, opts, st, on)?;
    if is_boot {
        // The app reboots into the OTA manager: a new connection.
        ch.close();
        ch = Channel::open(connector, stats)?;
        on(&Event::Connected {
            connection: ch.stats().connections,
            mtu: ch.mtu(),
        });
    }
    for done in &job.images[..st.image] {
        on(&Event::Skipped { image: done.id });
    }
    let resumed = st.image;
    for (k, img) in job.images.iter().enumerate().skip(st.image) {
        // A resumed image keeps the device's saved packets per response.
        let rsp = saved_rsp
            .filter(|_| k == resumed)
            .unwrap_or(opts.num_of_rsp);
        if !start_image(&mut ch, img, rsp, opts)? {
            on(&Event::Skipped { image: img.id });
        } else if let Some(again) = send_records(&mut ch, img, rsp, opts, st, on)? {
            return Ok(again);
        }
        end_image(&mut ch, img, k + 1 < job.images.len(), opts)?;
        (st.image, st.held, st.retries) = (k + 1, 0, 0);
    }
    finish(ch, opts, on)
}

/// `INIT_REQUEST_EXT` and `INIT_COMPLETED_IND_EXT`: sets where the transfer goes on; returns
/// the saved packets per response of a resumed image and whether the device reboots.
fn init(
    ch: &mut Channel<'_>,
    job: &SecureJob<'_>,
    opts: &Options,
    st: &mut State,
    on: &mut dyn FnMut(&Event),
) -> Result<(Option<u8>, bool), DfuError> {
    ch.send(&Message {
        id: id::INIT_REQUEST_EXT,
        payload: job.ctrl.to_vec(),
    })?;
    let m = expect(ch, id::INIT_RESPONSE_EXT, "INIT_RESPONSE_EXT", opts.timeout)?;
    let r: DfuInitResponseExt = read(&m, "INIT_RESPONSE_EXT")?;
    if r.result.get() != 0 {
        return Err(DfuError::rejected(
            "INIT_REQUEST_EXT (the control packet)",
            r.result.get(),
        ));
    }
    // Resume only into an image of this job; otherwise the device is told to start over.
    let at = job.images.iter().position(|i| i.id == r.curr_img);
    let resume = at.filter(|_| opts.resume && r.resume_status == 1);
    let (image, held) = resume.map_or((0, 0), |a| (a, r.curr_packet_num.get()));
    if (image, held) < (st.image, st.held) {
        on(&Event::DeviceRestarted {
            confirmed: st.held,
            reported: held,
        });
    }
    (st.image, st.held) = (image, held);
    let ind = DfuInitCompletedInd {
        is_start: u8::from(resume.is_some()),
    };
    ch.send(&Message::new(id::INIT_COMPLETED_IND_EXT, &ind, &[]))?;
    let saved_rsp = resume.map(|_| r.num_of_rsp).filter(|&n| n > 0);
    Ok((saved_rsp, r.is_boot == 1))
}

/// `IMAGE_SEND_END`; the device checks the image's signature.
fn end_image(
    ch: &mut Channel<'_>,
    img: &SecureImage<'_>,
    more: bool,
    opts: &Options,
) -> Result<(), DfuError> {
    let end = DfuImageSendEnd {
        img_id: img.id,
        is_more_image: u8::from(more),
    };
    ch.send(&Message::new(id::IMAGE_SEND_END, &end, &[]))?;
    let m = expect(
        ch,
        id::IMAGE_SEND_END_RESPONSE,
        "IMAGE_SEND_END_RESPONSE",
        opts.timeout,
    )?;
    let r: DfuResult16 = read(&m, "IMAGE_SEND_END_RESPONSE")?;
    if r.result.get() != 0 {
        let step = format!("IMAGE_SEND_END of image {} (its signature check)", img.id);
        return Err(DfuError::rejected(step, r.result.get()));
    }
    Ok(())
}

/// `TRANSMISSION_END` (every image is in) and the install's `END_IND`.
fn finish(
    mut ch: Channel<'_>,
    opts: &Options,
    on: &mut dyn FnMut(&Event),
) -> Result<Session, DfuError> {
    ch.send(&Message::new(
        id::TRANSMISSION_END,
        &DfuByte { value: 0 },
        &[],
    ))?;
    on(&Event::Installing);
    let m = expect(&mut ch, id::END_IND, "END_IND", opts.timeout)?;
    let r: DfuByte = read(&m, "END_IND")?;
    ch.close();
    match r.value {
        0 => Ok(Session::Done),
        code => Err(DfuError::rejected(
            "TRANSMISSION_END (the install)",
            u16::from(code),
        )),
    }
}

/// `IMAGE_SEND_START`; `false` when the device says it already has the image.
fn start_image(
    ch: &mut Channel<'_>,
    img: &SecureImage<'_>,
    rsp: u8,
    opts: &Options,
) -> Result<bool, DfuError> {
    let s = DfuImageSendStart {
        img_length: (img.file.len() as u32).into(),
        total_pkt_num: (img.records.len() as u32).into(),
        num_of_rsp: rsp,
        img_id: img.id,
        ..Default::default()
    };
    ch.send(&Message::new(id::IMAGE_SEND_START, &s, &[]))?;
    let m = expect(
        ch,
        id::IMAGE_SEND_START_RESPONSE,
        "IMAGE_SEND_START_RESPONSE",
        opts.timeout,
    )?;
    let r: DfuImageSendStartResponse = read(&m, "IMAGE_SEND_START_RESPONSE")?;
    if r.result.get() != 0 {
        return Err(DfuError::rejected(
            format!("IMAGE_SEND_START of image {}", img.id),
            r.result.get(),
        ));
    }
    Ok(r.extra != 1)
}

fn packet(img: &SecureImage<'_>, index: u32) -> Message {
    let rec = img.records[index as usize - 1];
    let h = DfuImageSendPacket {
        img_id: img.id,
        pkt_idx: (index as u16).into(),
        size: (rec.len() as u16).into(),
        ..Default::default()
    };
    Message::new(id::IMAGE_SEND_PACKET, &h, rec)
}

/// What a device message means to the packet loop.
enum Heard {
    /// A packet response: its result.
    Response(u16),
    /// Send again from this packet with this many packets per response.
    Rewind(u32, u8),
    /// The device aborted (`ABORT_COMMAND`, its reason): it saves and reboots.
    Abort(u16),
    /// Nothing for the loop.
    Other,
}

fn hear(ch: &mut Channel<'_>, m: &Message) -> Result<Heard, DfuError> {
    match m.id {
        id::IMAGE_SEND_PACKET_RESPONSE => Ok(Heard::Response(
            read::<DfuResult16>(m, "IMAGE_SEND_PACKET_RESPONSE")?
                .result
                .get(),
        )),
        id::LINK_LOSE_CHECK_REQ | id::RETRANSMISSION_RESPONSE => {
            let r: DfuRetransmissionResponse = read(m, "LINK_LOSE_CHECK_REQ")?;
            if m.id == id::LINK_LOSE_CHECK_REQ {
                ch.send(&Message::new(
                    id::LINK_LOSE_CHECK_RSP,
                    &DfuResult16 { result: 0.into() },
                    &[],
                ))?;
            }
            let n = u8::try_from(r.new_num_of_rsp.get())
                .unwrap_or(u8::MAX)
                .max(1);
            Ok(Heard::Rewind(r.retransmission_packet_num.get(), n))
        }
        id::ABORT_COMMAND => Ok(Heard::Abort(
            read::<DfuResult16>(m, "ABORT_COMMAND")?.result.get(),
        )),
        _ => Ok(Heard::Other),
    }
}

/// Sends the records of `img` from what the device holds; `Some` when the connection must be
/// made again (the device rejected a record and reboots).
fn send_records(
    ch: &mut Channel<'_>,
    img: &SecureImage<'_>,
    mut rsp: u8,
    opts: &Options,
    st: &mut State,
    on: &mut dyn FnMut(&Event),
) -> Result<Option<Session>, DfuError> {
    let total = img.records.len() as u32;
    let image = Some(img.id);
    let mut next = st.held + 1;
    let mut asked = 0;
    // Link-loss checks still due for packets sent before a rewind.
    let mut stale = 0u32;
    on(&Event::Start {
        image,
        from_packet: next,
        total,
    });
    while st.held < total {
        // Answers come after every `rsp`-th packet and the last; other messages any time.
        let due = next > total || next % u32::from(rsp) == 0 || next == total;
        if next <= total {
            ch.send(&packet(img, next))?;
            ch.stats().data_packets += 1;
            next += 1;
        }
        let heard = listen(ch, opts, due, &mut asked)?;
        match heard {
            None | Some(Heard::Other) => {}
            Some(Heard::Response(0)) => {
                st.held = next - 1;
                asked = 0;
                on(&Event::Progress {
                    image,
                    done: st.held,
                    total,
                });
            }
            Some(Heard::Response(code)) => {
                st.retries += 1;
                if st.retries > opts.max_retries {
                    return Err(DfuError::rejected(
                        format!("a record of image {}", img.id),
                        code,
                    ));
                }
                // The device saves its progress and reboots: resume on a new connection.
                return Ok(Some(Session::Again(format!(
                    "IMAGE_SEND_PACKET_RESPONSE {} for image {}: the device reboots",
                    DeviceCode(code),
                    img.id
                ))));
            }
            Some(Heard::Abort(reason)) => {
                // The app aborted; it saves its progress and reboots: resume on a new connection.
                return Ok(Some(Session::Again(format!(
                    "the device aborted the update (ABORT_COMMAND reason {reason})"
                ))));
            }
            Some(Heard::Rewind(held, n)) => {
                if stale > 0 && held == st.held {
                    stale -= 1;
                    continue;
                }
                if held > total {
                    return Err(DfuError::Protocol {
                        what: format!(
                            "device holds {held} packets of image {}, which has {total}",
                            img.id
                        ),
                    });
                }
                on(&Event::Retransmit {
                    image,
                    from_packet: held + 1,
                    reason: "link-loss check / retransmission".into(),
                });
                stale = (next - 1).saturating_sub(held + 1);
                st.held = held;
                next = held + 1;
                rsp = n;
            }
        }
    }
    Ok(None)
}

/// What the device said: waiting for it when an answer is `due`, else only what already came.
/// A due answer that does not come is asked for ([`ask`]).
fn listen(
    ch: &mut Channel<'_>,
    opts: &Options,
    due: bool,
    asked: &mut u32,
) -> Result<Option<Heard>, DfuError> {
    let m = if due {
        ch.wait(opts.timeout)?
    } else {
        ch.poll()?
    };
    match m {
        Some(m) => hear(ch, &m).map(Some),
        None if due => ask(ch, opts, asked).map(Some),
        None => Ok(None),
    }
}

/// A response did not come: `RETRANSMISSION_REQUEST`, whose answer says where to go on.
fn ask(ch: &mut Channel<'_>, opts: &Options, asked: &mut u32) -> Result<Heard, DfuError> {
    *asked += 1;
    if *asked > 3 {
        return Err(DfuError::Timeout {
            waiting_for: "IMAGE_SEND_PACKET_RESPONSE",
            secs: opts.timeout.as_secs(),
        });
    }
    ch.send(&Message {
        id: id::RETRANSMISSION_REQUEST,
        payload: Vec::new(),
    })?;
    let m = expect(
        ch,
        id::RETRANSMISSION_RESPONSE,
        "RETRANSMISSION_RESPONSE",
        opts.timeout,
    )?;
    hear(ch, &m)
}
