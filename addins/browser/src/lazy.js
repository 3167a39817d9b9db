// A restored tab that was not active: shows the saved title in the extension's own process
// (no renderer of its own) and loads the real page the first time the tab is shown.
// The address is lazy.html#<title>#<url>; the capture reads the URL back from it.
const [, title = '', url = ''] = location.hash.split('#').map(decodeURIComponent);
document.title = title || url;

function go() {
  if (document.visibilityState === 'visible' && /^(https?|ftp|file):/i.test(url)) location.replace(url);
}

document.addEventListener('visibilitychange', go);
go();
