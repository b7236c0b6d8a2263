"""Report layer: notebook export and slide deck (imports reco, analysis, data, root)."""
