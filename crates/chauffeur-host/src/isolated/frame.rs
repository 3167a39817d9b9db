//! The plugin-host wire format: each message is a big-endian `u32` length followed by that
//! many bytes of JSON. Both sides refuse a message over [`MAX_MESSAGE`] before reading it.

use std::io::{Read, Write};

use serde::{Serialize, de::DeserializeOwned};
use tokio::io::{AsyncReadExt, AsyncWriteExt};

/// The largest message either side accepts: 64 MiB.
pub const MAX_MESSAGE: usize = 64 * 1024 * 1024;

/// Why a message could not be read or written.
#[derive(Debug, thiserror::Error)]
pub enum FrameError {
    /// The other side closed the pipe (between messages).
    #[error("the other side closed the connection")]
    Closed,
    /// Reading or writing failed.
    #[error("I/O error: {0}")]
    Io(#[from] std::io::Error),
    /// The announced length is over the cap.
    #[error("a message of {0} bytes is over the {MAX_MESSAGE}-byte cap")]
    TooBig(usize),
    /// The bytes are not the expected JSON.
    #[error("invalid message: {0}")]
    Json(#[from] serde_json::Error),
}

fn encode<T: Serialize>(message: &T) -> Result<Vec<u8>, FrameError> {
    let body = serde_json::to_vec(message)?;
    if body.len() > MAX_MESSAGE {
        return Err(FrameError::TooBig(body.len()));
    }
    let mut frame = Vec::with_capacity(body.len() + 4);
    frame.extend_from_slice(&(body.len() as u32).to_be_bytes());
    frame.extend_from_slice(&body);
    Ok(frame)
}

fn length(header: [u8; 4]) -> Result<usize, FrameError> {
    let len = u32::from_be_bytes(header) as usize;
    if len > MAX_MESSAGE {
        return Err(FrameError::TooBig(len));
    }
    Ok(len)
}

fn closed_or_io(e: std::io::Error) -> FrameError {
    if e.kind() == std::io::ErrorKind::UnexpectedEof {
        FrameError::Closed
    } else {
        FrameError::Io(e)
    }
}

/// Writes one message (blocking).
pub fn write_sync<T: Serialize>(out: &mut impl Write, message: &T) -> Result<(), FrameError> {
    out.write_all(&encode(message)?)?;
    out.flush()?;
    Ok(())
}

/// Reads one message (blocking).
pub fn read_sync<T: DeserializeOwned>(input: &mut impl Read) -> Result<T, FrameError> {
    let mut header = [0u8; 4];
    input.read_exact(&mut header).map_err(closed_or_io)?;
    let mut body = vec![0u8; length(header)?];
    input.read_exact(&mut body).map_err(closed_or_io)?;
    Ok(serde_json::from_slice(&body)?)
}

/// Writes one message.
pub async fn write_async<T: Serialize>(
    out: &mut (impl AsyncWriteExt + Unpin),
    message: &T,
) -> Result<(), FrameError> {
    out.write_all(&encode(message)?).await?;
    out.flush().await?;
    Ok(())
}

/// Reads one message.
pub async fn read_async<T: DeserializeOwned>(
    input: &mut (impl AsyncReadExt + Unpin),
) -> Result<T, FrameError> {
    let mut header = [0u8; 4];
    input.read_exact(&mut header).await.map_err(closed_or_io)?;
    let mut body = vec![0u8; length(header)?];
    input.read_exact(&mut body).await.map_err(closed_or_io)?;
    Ok(serde_json::from_slice(&body)?)
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::{Value, json};

    #[test]
    fn messages_round_trip() {
        let mut buf = Vec::new();
        write_sync(&mut buf, &json!({"func": "echo", "args": ["hi"]})).expect("write");
        assert_eq!(&buf[..4], &(buf.len() as u32 - 4).to_be_bytes());
        let back: Value = read_sync(&mut buf.as_slice()).expect("read");
        assert_eq!(back["args"][0], "hi");
    }

    #[test]
    fn oversized_and_truncated_messages_are_refused() {
        let mut huge = (MAX_MESSAGE as u32 + 1).to_be_bytes().to_vec();
        huge.extend_from_slice(b"{}");
        assert!(matches!(
            read_sync::<Value>(&mut huge.as_slice()),
            Err(FrameError::TooBig(_))
        ));
        let empty: &[u8] = &[];
        assert!(matches!(
            read_sync::<Value>(&mut &*empty),
            Err(FrameError::Closed)
        ));
        let cut = [0u8, 0, 0, 9, b'{'];
        assert!(matches!(
            read_sync::<Value>(&mut cut.as_slice()),
            Err(FrameError::Closed)
        ));
    }
}
