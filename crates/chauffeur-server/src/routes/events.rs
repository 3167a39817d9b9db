//! `GET /v1/events`: a Server-Sent Events stream of what happens.

use std::convert::Infallible;

use axum::extract::State;
use axum::response::sse::{Event as SseEvent, KeepAlive, Sse};
use futures_util::Stream;
use tokio::sync::broadcast::error::RecvError;

use crate::state::ApiState;

/// `GET /v1/events`: snapshots taken, restore progress, provider health.
#[utoipa::path(get, path = "/v1/events",
    responses((status = 200, description = "text/event-stream; each event's data is JSON with a `type`")))]
pub async fn events(
    State(state): State<ApiState>,
) -> Sse<impl Stream<Item = Result<SseEvent, Infallible>>> {
    let receiver = state.engine.subscribe();
    let stopping = state.stopping.clone();
    let stream = futures_util::stream::unfold(
        (receiver, stopping),
        |(mut receiver, mut stopping)| async move {
            loop {
                let next = tokio::select! {
                    next = receiver.recv() => next,
                    _ = stopping.wait_for(|s| *s) => return None,
                };
                match next {
                    Ok(event) => {
                        let data = serde_json::to_value(&event).unwrap_or_default();
                        let kind = data["type"].as_str().unwrap_or("event").to_owned();
                        let sse = SseEvent::default().event(kind).data(data.to_string());
                        return Some((Ok(sse), (receiver, stopping)));
                    }
                    Err(RecvError::Lagged(_)) => continue,
                    Err(RecvError::Closed) => return None,
                }
            }
        },
    );
    Sse::new(stream).keep_alive(KeepAlive::default())
}
