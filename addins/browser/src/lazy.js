// A restored tab that was not active: shows the saved title in the extension's own process
// (no renderer of its own) and loads the real page when the tab is activated. (Visibility
// cannot decide it: a headless browser reports every tab visible.)
// The address is lazy.html#<title>#<url>; the capture reads the URL back from it.
const api = globalThis.browser ?? globalThis.chrome;
const [, title = '', url = ''] = location.hash.split('#').map(decodeURIComponent);
document.title = title || url;

function go() {
  if (/^(https?|ftp|file):/i.test(url)) location.replace(url);
}

api.tabs.getCurrent().then((me) => {
  if (!me) return;
  if (me.active) go();
  api.tabs.onActivated.addListener(({ tabId }) => {
    if (tabId === me.id) go();
  });
});
