"""Pages the server sends itself, without a kernel: the French "service busy" page."""

from __future__ import annotations

#: Seconds a refused client is asked to wait (HTTP ``Retry-After``, for scripts and bots).
RETRY_AFTER_S = 60
#: The page itself retries sooner (a refusal costs the server nothing), every third of
#: that, plus a random quarter so that a crowd does not come back in the same second.
RETRY_SHARE = 3

BUSY_TEXT = "Le service est très demandé en ce moment : réessayez dans une minute."


def busy_page(retry_after: int = RETRY_AFTER_S) -> str:
    """The 503 page: French, accessible, light (no external asset), retrying by itself."""
    delay_ms = max(2000, int(retry_after * 1000 / RETRY_SHARE))
    return f"""<!DOCTYPE html>
<html lang="fr">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<meta name="robots" content="noindex">
<title>Ciné Creuse : service très demandé</title>
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
<p>{BUSY_TEXT}</p>
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
