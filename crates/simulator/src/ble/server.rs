//! The simulated device on a TCP socket (frames of [`super::wire`]): one connection at a time,
//! like a peripheral that accepts one central.

use super::wire::{read_frame, write_frame, Frame, Kind};
use super::{Emit, Sim};
use std::io::{self, ErrorKind};
use std::net::{TcpListener, TcpStream};
use std::time::{Duration, Instant};

/// When the server stops.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct ServeOptions {
    /// Stop after the first install that leaves the new firmware installed.
    pub once: bool,
    /// Stop when no sender connects for this long.
    pub idle_timeout: Option<Duration>,
    /// With no write for this long in a connection, the device runs its link-loss check
    /// ([`Sim::idle`]); `None`: never.
    pub link_loss: Option<Duration>,
}

/// Why the server stopped.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Stopped {
    /// `once` and an install succeeded.
    Installed,
    /// No connection within the idle timeout.
    Idle,
}

/// Serves connections until `opts` says stop; `after` runs after every connection with the
/// device so far (to write the outputs).
pub fn serve(
    listener: &TcpListener,
    sim: &mut Sim,
    opts: ServeOptions,
    mut after: impl FnMut(&Sim) -> io::Result<()>,
) -> io::Result<Stopped> {
    listener.set_nonblocking(true)?;
    loop {
        let Some(stream) = accept(listener, opts.idle_timeout)? else {
            return Ok(Stopped::Idle);
        };
        let result = connection(stream, sim, opts.link_loss);
        sim.link_lost();
        after(sim)?;
        // A sender that vanishes mid-frame is a lost link, not a server failure.
        if let Err(e) = result {
            sim.note_protocol_error(format!("connection ended: {e}"));
        }
        let installed = sim
            .report()
            .last_install()
            .is_some_and(|i| i.new_firmware_installed);
        if opts.once && installed {
            return Ok(Stopped::Installed);
        }
    }
}

fn accept(listener: &TcpListener, idle: Option<Duration>) -> io::Result<Option<TcpStream>> {
    let start = Instant::now();
    loop {
        match listener.accept() {
            Ok((s, _)) => {
                s.set_nonblocking(false)?;
                s.set_nodelay(true)?;
                return Ok(Some(s));
            }
            Err(e) if e.kind() == ErrorKind::WouldBlock => {
                if idle.is_some_and(|d| start.elapsed() >= d) {
                    return Ok(None);
                }
                std::thread::sleep(Duration::from_millis(2));
            }
            Err(e) => return Err(e),
        }
    }
}

fn connection(mut s: TcpStream, sim: &mut Sim, link_loss: Option<Duration>) -> io::Result<()> {
    write_frame(&mut s, &Frame::link_params(sim.mtu()))?;
    let emits = sim.connect();
    if !send(&mut s, emits)? {
        return Ok(());
    }
    s.set_read_timeout(link_loss)?;
    loop {
        let frame = match read_frame(&mut s) {
            Ok(Some(f)) => f,
            Ok(None) => return Ok(()),
            Err(e) if matches!(e.kind(), ErrorKind::WouldBlock | ErrorKind::TimedOut) => {
                let emits = sim.idle();
                if !send(&mut s, emits)? {
                    return Ok(());
                }
                continue;
            }
            Err(e) => return Err(e),
        };
        match frame.kind {
            Kind::AttWrite => {
                let emits = sim.att_write(&frame.value);
                if !send(&mut s, emits)? {
                    return Ok(());
                }
            }
            Kind::Disconnect => return Ok(()),
            Kind::Notify | Kind::LinkParams => {
                sim.note_protocol_error(format!(
                    "the sender sent a frame of type {}",
                    frame.kind as u8
                ));
            }
        }
    }
}

/// Sends the emits; `false` when the device dropped the link.
fn send(s: &mut TcpStream, emits: Vec<Emit>) -> io::Result<bool> {
    for e in emits {
        match e {
            Emit::Sleep(d) => std::thread::sleep(d),
            Emit::Notify(v) => write_frame(
                s,
                &Frame {
                    kind: Kind::Notify,
                    value: v,
                },
            )?,
            Emit::Disconnect => {
                write_frame(
                    s,
                    &Frame {
                        kind: Kind::Disconnect,
                        value: Vec::new(),
                    },
                )?;
                let _ = s.shutdown(std::net::Shutdown::Both);
                return Ok(false);
            }
        }
    }
    Ok(true)
}
