"""Activation: what the metric tables hand to the teams that contact members
(audiences: `memberkpi audience export`)."""
