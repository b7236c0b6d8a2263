"""Pages sent without a kernel, in French: "service busy" (the server, past its cap), and
the reverse proxy's "too many pages" (rate limit) and "restarting" (no backend) pages."""

from __future__ import annotations

import html

#: Seconds a refused client is asked to wait (HTTP ``Retry-After``, for scripts and bots).
RETRY_AFTER_S = 60
#: The page itself retries sooner (a refusal costs the server nothing), every third of
#: that, plus a random quarter so that a crowd does not come back in the same second.
RETRY_SHARE = 3

BUSY_TEXT = "Le service est très demandé en ce moment : réessayez dans une minute."
TOO_MANY_TEXT = ("Vous avez ouvert cette page très souvent en peu de temps depuis votre "
                 "connexion : patientez une minute.")
RESTARTING_TEXT = "Le service redémarre : réessayez dans une minute."


def busy_page(retry_after: int = RETRY_AFTER_S) -> str:
    """The 503 page: French, accessible, light (no external asset), retrying by itself."""
    return notice_page("service très demandé", BUSY_TEXT, retry_after)


def too_many_page(retry_after: int = RETRY_AFTER_S) -> str:
    """The reverse proxy's 429 page (too many page loads from one connection)."""
    return notice_page("trop de pages ouvertes", TOO_MANY_TEXT, retry_after)


def restarting_page(retry_after: int = RETRY_AFTER_S) -> str:
    """The reverse proxy's page when no dashboard server answers (restart, update)."""
    return notice_page("redémarrage", RESTARTING_TEXT, retry_after)


def notice_page(title: str, text: str, retry_after: int = RETRY_AFTER_S) -> str:
    """A page saying ``text`` that reloads itself every third of ``retry_after`` seconds
    or so (``title`` and ``text``: plain text, escaped here)."""
    title, text = html.escape(title, quote=False), html.escape(text, quote=False)
    delay_ms = max(2000, int(retry_after * 1000 / RETRY_SHARE))
    return f"""<!DOCTYPE html>
<html lang="fr">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<meta name="robots" content="noindex">
<title>Ciné Creuse : {title}</title>
<style>
body {{ font: 1.25rem/1.6 system-ui, sans-serif; color: #111; background: #faf7f2;
       margin: 0; display: flex; min-height: 100vh; align-items: center;
       justify-content: center; }}
main {{ max-width: 34em; margin: 1em; padding: 1.5em; background: #fff;
       border-radius: 8px; box-shadow: 0 1px 4px rgba(0,0,0,.2); }}
h1 {{ font-size: 1.6rem; margin-top: 0; color: #7a1f2b; }}
button {{ font: inherit; padding: .5em 1.2em; border-radius: 6px; cursor: pointer;
         border: 2px solid #7a1f2b; background: #7a1f2b; color: #fff; }}
</style>
</head>
<body>
<main>
<h1>Ciné Creuse</h1>
<p>{text}</p>
<p>La page réessaie toute seule toutes les {max(2, round(delay_ms / 1000))} secondes environ.</p>
<button type="button" onclick="window.location.reload()">Réessayer maintenant</button>
</main>
<script>
setTimeout(function () {{ window.location.reload(); }},
           {delay_ms} + Math.floor(Math.random() * {delay_ms // 4}));
</script>
</body>
</html>
"""
