"""What a run does with the methods (above ``tasks.methods``, below ``tasks.render``): the presets (``presets``),
planning a preset's trends on a snapshot (``plan``), the run's trends table checked against the registry
(``tables``) and the structural-break test of its trends (``breaks``)."""
