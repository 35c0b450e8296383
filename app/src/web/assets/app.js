// The live parts of the server-rendered pages: unread badges, new posts in the feed, the open dialog.
// Everything shown comes from the server as escaped HTML or as numbers; user text is never built here.
{
  const signedIn = document.body.dataset.user !== undefined;
  const pollMs = 2000;

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

  const pollUnread = async () => {
    try {
      const response = await fetch('/web/unread', { credentials: 'same-origin' });
      if (!response.ok) return;
      const counts = await response.json();
      const byPeer = new Map(counts.dialogs.map((d) => [d.user_id, d.unread]));
      if (dialog && !document.hidden && (byPeer.get(dialog.dataset.dialogPeer) ?? 0) > 0) {
        await refreshDialog();
        return pollUnread();
      }
      for (const badge of document.querySelectorAll('[data-unread-total]')) setBadge(badge, counts.total);
      for (const badge of document.querySelectorAll('[data-unread-peer]')) {
        const peer = badge.dataset.unreadPeer;
        setBadge(badge, byPeer.get(peer) ?? 0);
        badge.closest('[data-chat]')?.classList.toggle('unread', (byPeer.get(peer) ?? 0) > 0);
      }
    } catch {
      // Offline for a moment: the next round tries again.
    } finally {
      clearTimeout(pollUnread.timer);
      pollUnread.timer = setTimeout(pollUnread, pollMs);
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
    const socket = new WebSocket(`${scheme}://${location.host}/web/live`);
    socket.addEventListener('open', () => {
      attempt = 0;
    });
    socket.addEventListener('message', (event) => {
      try {
        const message = JSON.parse(event.data);
        if (message.type === 'ready') document.body.dataset.live = 'ready';
        else void addPost(String(message.postId));
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
    pollUnread();
    if (dialog) scrollToEnd();
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
      openLive();
    }
  }
}
