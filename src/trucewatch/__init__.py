"""trucewatch: ceasefire monitoring, verification and compliance.

The public surface is small on purpose: load an agreement, load incidents and
claims, evaluate them, read the findings.  Everything else is reachable through
its subpackage.
"""

__version__ = "0.1.0"
