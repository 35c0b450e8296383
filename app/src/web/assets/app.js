// The live parts of the server-rendered pages: unread badges, new posts in the feed, the open dialog.
// Everything shown comes from the server as escaped HTML or as numbers; user text is never built here.
{
  const signedIn = document.body.dataset.user !== undefined;
  // Counts come by push over /web/live; polling is only the fallback while that socket is down.
  const fallbackPollMs = 20000;
  const isLive = () => document.body.dataset.live === 'ready';

  const setBadge = (badge, count) => {
    badge.firstChild.nodeValue = String(count);
    badge.hidden = count === 0;
  };

  const dialog = document.querySelector('[data-dialog-peer]');
  const scrollToEnd = () => {
    const list = document.querySelector('[data-messages]');
    if (list) list.scrollTop = list.scrollHeight;
  };

  // The other side wrote: fetch the list (which marks it read, the chat being open) and swap it in.
  const refreshDialog = async () => {
    const peer = dialog.dataset.dialogPeer;
    const response = await fetch(`/chats/${encodeURIComponent(peer)}/messages`, {
      credentials: 'same-origin',
    });
    if (!response.ok) return;
    const list = document.querySelector('[data-messages]');
    list.outerHTML = await response.text();
    scrollToEnd();
  };

  const showCounts = (counts) => {
    const byPeer = new Map(counts.dialogs.map((d) => [d.user_id, d.unread]));
    for (const badge of document.querySelectorAll('[data-unread-total]')) setBadge(badge, counts.total);
    for (const badge of document.querySelectorAll('[data-unread-peer]')) {
      const peer = badge.dataset.unreadPeer;
      setBadge(badge, byPeer.get(peer) ?? 0);
      badge.closest('[data-chat]')?.classList.toggle('unread', (byPeer.get(peer) ?? 0) > 0);
    }
    return byPeer;
  };

  const fetchCounts = async () => {
    const response = await fetch('/web/unread', { credentials: 'same-origin' });
    return response.ok ? response.json() : undefined;
  };

  // New counts. If the open dialog's peer wrote, fetch the list instead, which marks it read: the
  // socket then pushes the lowered counts (without the socket, they are asked for).
  const onCounts = async (counts) => {
    const byPeer = new Map(counts.dialogs.map((d) => [d.user_id, d.unread]));
    const peer = dialog?.dataset.dialogPeer;
    if (peer && !document.hidden && (byPeer.get(peer) ?? 0) > 0) {
      await refreshDialog();
      if (!isLive()) {
        const fresh = await fetchCounts();
        if (fresh) showCounts(fresh);
      }
      return;
    }
    showCounts(counts);
  };

  const fallbackPoll = async () => {
    try {
      if (!isLive()) {
        const counts = await fetchCounts();
        if (counts) await onCounts(counts);
      }
    } catch {
      // Offline for a moment: the next round tries again.
    } finally {
      setTimeout(fallbackPoll, fallbackPollMs);
    }
  };

  const feed = document.querySelector('[data-feed]');
  const cue = document.querySelector('[data-new-posts]');
  const status = document.querySelector('[data-new-posts-status]');
  let fresh = 0;

  const showCue = () => {
    const text = fresh === 1 ? '1 new post' : `${fresh} new posts`;
    cue.textContent = `${text} — show`;
    cue.hidden = fresh === 0;
    status.textContent = fresh === 0 ? '' : `${text} in your feed`;
  };

  const addPost = async (postId) => {
    if (!/^[0-9]+$/.test(postId) || document.getElementById(`post-${postId}`)) return;
    const response = await fetch(`/posts/${postId}/card`, { credentials: 'same-origin' });
    if (!response.ok) return;
    feed.querySelector('[data-empty]')?.remove();
    feed.insertAdjacentHTML('afterbegin', await response.text());
    const card = feed.firstElementChild;
    card.classList.add('new');
    card.querySelector('.new-tag').hidden = false;
    fresh += 1;
    showCue();
  };

  const openLive = (attempt = 0) => {
    const scheme = location.protocol === 'https:' ? 'wss' : 'ws';
    const posts = feed && cue ? '?posts=1' : '';
    const socket = new WebSocket(`${scheme}://${location.host}/web/live${posts}`);
    socket.addEventListener('open', () => {
      attempt = 0;
    });
    socket.addEventListener('message', (event) => {
      try {
        const message = JSON.parse(event.data);
        if (message.type === 'ready') document.body.dataset.live = 'ready';
        else if (message.type === 'unread') void onCounts(message);
        else if (feed && cue) void addPost(String(message.postId));
      } catch {
        // Not a post event: ignored.
      }
    });
    socket.addEventListener('close', () => {
      document.body.dataset.live = 'closed';
      setTimeout(() => openLive(attempt + 1), Math.min(1000 * 2 ** attempt, 15000));
    });
  };

  if (signedIn) {
    if (dialog) scrollToEnd();
    openLive();
    setTimeout(fallbackPoll, fallbackPollMs);
    // A dialog left open in a background tab: what arrived meanwhile is read when it is looked at.
    document.addEventListener('visibilitychange', async () => {
      if (!dialog || document.hidden) return;
      const counts = await fetchCounts().catch(() => undefined);
      if (counts) await onCounts(counts);
    });
    if (feed && cue) {
      cue.addEventListener('click', () => {
        for (const card of feed.querySelectorAll('.post.new')) {
          card.classList.remove('new');
          card.querySelector('.new-tag').hidden = true;
        }
        fresh = 0;
        showCue();
        feed.firstElementChild?.querySelector('a')?.focus();
      });
    }
  }
}
