//! Data residency (`EU_JURISDICTION=1`) as far as `wrangler dev` shows
//! it: a server of its own with the setting on gives European guests ids
//! whose objects live in the EU jurisdiction, keeps Europe's coordinator
//! shards there, and creates European matches' rooms there. Local workerd
//! refuses every jurisdiction, so the test sees Volley ask for the EU and
//! fail closed with a clear error, while the rest of the world plays on
//! unrestricted objects as before. Placement on
//! Cloudflare itself is for a real account (DEPLOY.md, "Data residency").

use anyhow::{Context, Result, bail, ensure};
use std::time::Duration;
use url::Url;
use volley_client::native::Client;
use volley_shared::Mode;
use volley_shared::api::{Guest, TEST_CONTINENT_HEADER};
use volley_tests::{WranglerDev, get_text, post_text_with};

/// What workerd says when asked for a jurisdiction.
const REFUSAL: &str = "Jurisdiction restrictions are not implemented";

/// A new guest who connects from `continent`.
fn guest_from(base: &Url, continent: &str) -> Result<Guest> {
    let (status, body) = post_from(base, "/api/guests", continent)?;
    ensure!(status == 201, "a guest from {continent}: {status} {body}");
    Ok(serde_json::from_str(&body)?)
}

/// POSTs to `path` from `continent`: the status and the body.
fn post_from(base: &Url, path: &str, continent: &str) -> Result<(u16, String)> {
    post_text_with(&base.join(path)?, &[(TEST_CONTINENT_HEADER, continent)])
}

pub async fn european_data_is_asked_of_the_eu_jurisdiction_and_never_placed_elsewhere(
    secret: String,
) -> Result<()> {
    let server = WranglerDev::start(&[
        ("JOIN_SECRET", secret.as_str()),
        ("VOLLEY_TEST_HOOKS", "1"),
        ("EU_JURISDICTION", "1"),
        // No hand-over: each continent's tickets stay in their shard.
        ("QUIET_TICKETS_PER_MINUTE", "0"),
    ])?;
    let base = server.base().clone();

    // Guests: a European's id carries the EU tag, anyone else's never.
    let european = guest_from(&base, "EU")?;
    let american = guest_from(&base, "NA")?;
    ensure!(
        european.player.ends_with("e0e0"),
        "a European guest's id: {}",
        european.player
    );
    ensure!(
        !american.player.ends_with("e0e0"),
        "an American guest's id: {}",
        american.player
    );
    // The European's object is asked of the EU sub-namespace, which this
    // runtime refuses: a clear 503, not an unrestricted object.
    let (status, body) = get_text(&base.join(&format!("/api/players/{}", european.player))?)?;
    ensure!(
        status == 503 && body.contains("eu jurisdiction"),
        "a European's ratings: {status} {body}"
    );
    let (status, body) = get_text(&base.join(&format!("/api/players/{}", american.player))?)?;
    ensure!(
        status == 200 && body.contains("\"modes\":[]"),
        "an American nobody rated yet: {status} {body}"
    );

    // A European's ticket goes to Europe's shard, which is kept in the EU:
    // refused here at once, not queued in an unrestricted shard.
    let european_client = Client::new(base.clone()).on_continent(Some("EU".into()));
    match european_client
        .open_ticket_for(Mode::Duel, None, false)
        .await
    {
        Err(err) => ensure!(
            err.to_string().contains("503"),
            "a European's ticket: {err}"
        ),
        Ok(_) => bail!("a European's ticket was taken by an unrestricted shard"),
    }
    // A private room from Europe is made by the global shard, but the room
    // itself is asked of the EU jurisdiction.
    let (status, body) = post_from(&base, "/api/rooms?mode=duel", "EU")?;
    ensure!(
        status == 503 && body.contains("eu jurisdiction"),
        "a European's private room: {status} {body}"
    );
    let (status, body) = post_from(&base, "/api/rooms?mode=duel", "NA")?;
    ensure!(status == 201, "an American's private room: {status} {body}");
    server
        .await_log(REFUSAL, 3, Duration::from_secs(10))
        .context(
            "the runtime was not asked for the jurisdiction of a player, a shard and a room",
        )?;

    // Two Americans are matched as ever, their room near them.
    let client = Client::new(base.clone()).on_continent(Some("NA".into()));
    let (a, b) = tokio::join!(
        client.matchmake(Mode::Duel, "na-a"),
        client.matchmake(Mode::Duel, "na-b")
    );
    let (a, b) = (a?, b?);
    ensure!(a.room == b.room, "the Americans were matched apart");
    let placed = crate::room_hint(&base, &a.room)?;
    ensure!(
        placed.as_deref() == Some("enam"),
        "an American room {} is placed at {placed:?}",
        a.room
    );
    Ok(())
}
