"""Place dashboard widgets on a grid, row by row (CloudWatch: 24 columns; Cloud
Monitoring's mosaic layout: 48). Both consoles take absolute positions; a widget
that does not fit the rest of a row starts the next one."""

from __future__ import annotations

from dataclasses import dataclass, field


@dataclass
class Grid:
    """The next free position on a ``columns``-wide grid."""

    columns: int
    x: int = 0
    y: int = 0
    row_height: int = field(default=0)

    def place(self, width: int, height: int) -> tuple[int, int]:
        """Top-left corner of a ``width`` x ``height`` widget (width capped at the grid)."""
        width = min(width, self.columns)
        if self.x + width > self.columns:
            self.newline()
        spot = (self.x, self.y)
        self.x += width
        self.row_height = max(self.row_height, height)
        return spot

    def newline(self) -> None:
        """Start a new row below the tallest widget of the current one."""
        if self.x:
            self.y += self.row_height
        self.x, self.row_height = 0, 0
