//! tmux layout strings: `CSUM,WxH,X,Y` followed by `,PANE_ID` for a pane, or by `{...}`
//! (side by side) / `[...]` (stacked) around the child cells.
//!
//! Captured layouts are stored without pane ids (they change on every restore) and with the
//! checksum recomputed, so the same geometry always gives the same string, and tmux's
//! `select-layout` accepts it as is.

/// One cell of a layout.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Cell {
    /// Width in columns.
    pub width: u32,
    /// Height in rows.
    pub height: u32,
    /// Left column.
    pub x: u32,
    /// Top row.
    pub y: u32,
    /// What the cell holds.
    pub content: Content,
}

/// What a layout cell holds.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Content {
    /// A pane (its id, when the string had one).
    Pane(Option<u32>),
    /// Children side by side (`{...}`).
    Columns(Vec<Cell>),
    /// Children stacked (`[...]`).
    Rows(Vec<Cell>),
}

impl Cell {
    /// Number of panes in the cell.
    pub fn panes(&self) -> usize {
        match &self.content {
            Content::Pane(_) => 1,
            Content::Columns(c) | Content::Rows(c) => c.iter().map(Cell::panes).sum(),
        }
    }

    fn write(&self, out: &mut String) {
        out.push_str(&format!(
            "{}x{},{},{}",
            self.width, self.height, self.x, self.y
        ));
        let (open, close, children) = match &self.content {
            Content::Pane(_) => return,
            Content::Columns(c) => ('{', '}', c),
            Content::Rows(c) => ('[', ']', c),
        };
        out.push(open);
        for (i, child) in children.iter().enumerate() {
            if i > 0 {
                out.push(',');
            }
            child.write(out);
        }
        out.push(close);
    }
}

/// tmux's layout checksum (`layout_checksum` in layout-custom.c).
pub fn checksum(body: &str) -> u16 {
    body.bytes().fold(0u16, |csum, b| {
        ((csum >> 1) | ((csum & 1) << 15)).wrapping_add(u16::from(b))
    })
}

/// Parses a layout string, checksum included; `None` when it is not one.
pub fn parse(layout: &str) -> Option<Cell> {
    let (csum, body) = layout.split_once(',')?;
    if u16::from_str_radix(csum, 16).ok()? != checksum(body) {
        return None;
    }
    let mut parser = Parser {
        bytes: body.as_bytes(),
        pos: 0,
    };
    let cell = parser.cell()?;
    (parser.pos == body.len()).then_some(cell)
}

/// The layout without pane ids and with its checksum recomputed; the input unchanged when
/// it does not parse.
pub fn normalize(layout: &str) -> String {
    match parse(layout) {
        Some(cell) => render(&cell),
        None => layout.to_owned(),
    }
}

/// Writes a cell as a layout string (no pane ids) with its checksum.
pub fn render(cell: &Cell) -> String {
    let mut body = String::new();
    cell.write(&mut body);
    format!("{:04x},{body}", checksum(&body))
}

struct Parser<'a> {
    bytes: &'a [u8],
    pos: usize,
}

impl Parser<'_> {
    fn number(&mut self) -> Option<u32> {
        let start = self.pos;
        while self.bytes.get(self.pos).is_some_and(u8::is_ascii_digit) {
            self.pos += 1;
        }
        std::str::from_utf8(&self.bytes[start..self.pos])
            .ok()?
            .parse()
            .ok()
    }

    fn expect(&mut self, byte: u8) -> Option<()> {
        (self.bytes.get(self.pos) == Some(&byte)).then(|| self.pos += 1)
    }

    fn cell(&mut self) -> Option<Cell> {
        let width = self.number()?;
        self.expect(b'x')?;
        let height = self.number()?;
        self.expect(b',')?;
        let x = self.number()?;
        self.expect(b',')?;
        let y = self.number()?;
        let content = match self.bytes.get(self.pos) {
            Some(b'{') => Content::Columns(self.children(b'}')?),
            Some(b'[') => Content::Rows(self.children(b']')?),
            Some(b',') if self.bytes.get(self.pos + 1).is_some_and(u8::is_ascii_digit) => {
                // `,ID` unless the digits start the next sibling (`,WxH...`).
                let save = self.pos;
                self.pos += 1;
                let id = self.number()?;
                if self.bytes.get(self.pos) == Some(&b'x') {
                    self.pos = save;
                    Content::Pane(None)
                } else {
                    Content::Pane(Some(id))
                }
            }
            _ => Content::Pane(None),
        };
        Some(Cell {
            width,
            height,
            x,
            y,
            content,
        })
    }

    fn children(&mut self, close: u8) -> Option<Vec<Cell>> {
        self.pos += 1;
        let mut cells = vec![self.cell()?];
        loop {
            match self.bytes.get(self.pos)? {
                b',' => {
                    self.pos += 1;
                    cells.push(self.cell()?);
                }
                b if *b == close => {
                    self.pos += 1;
                    return Some(cells);
                }
                _ => return None,
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const NESTED: &str = "e688,100x30,0,0[100x15,0,0,2,100x14,0,16{50x14,0,16,3,49x14,51,16,4}]";

    #[test]
    fn checksum_matches_tmux() {
        assert_eq!(
            checksum("100x30,0,0[100x10,0,0,100x19,0,11{30x19,0,11,69x19,31,11}]"),
            0x013f
        );
        assert_eq!(format!("{:04x}", checksum("80x24,0,0,1")), "b25e");
    }

    #[test]
    fn parses_and_normalizes() {
        let cell = parse(NESTED).unwrap();
        assert_eq!((cell.width, cell.height), (100, 30));
        assert_eq!(cell.panes(), 3);
        let plain = normalize(NESTED);
        assert_eq!(
            plain,
            format!(
                "{:04x},100x30,0,0[100x15,0,0,100x14,0,16{{50x14,0,16,49x14,51,16}}]",
                checksum("100x30,0,0[100x15,0,0,100x14,0,16{50x14,0,16,49x14,51,16}]")
            )
        );
        // Normalizing is idempotent and the result parses back.
        assert_eq!(normalize(&plain), plain);
        assert_eq!(parse(&plain).unwrap().panes(), 3);
        assert_eq!(parse("b25e,80x24,0,0,1").unwrap().panes(), 1);
    }

    #[test]
    fn rejects_bad_layouts() {
        assert!(parse("ffff,80x24,0,0,1").is_none());
        assert!(parse("nonsense").is_none());
        assert!(parse(&format!("{:04x},80x24", checksum("80x24"))).is_none());
        assert_eq!(normalize("bad"), "bad");
    }
}
