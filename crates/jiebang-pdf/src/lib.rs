//! Printable documents (the PDF 申报书): a title, headings, paragraphs, labelled fields and
//! tables, laid out on A4 pages with a footer on every page, and written as PDF by krilla with
//! the CJK font embedded as a subset, so the file prints and reads the same everywhere.
//!
//! The layout is deliberately small: text wraps at any CJK character and at spaces between
//! Latin words, tables repeat their header on a new page, and nothing is hyphenated. Widths
//! come from the font's own advances (ttf-parser), so what is measured is what is drawn.

use std::sync::Arc;

use krilla::Document;
use krilla::color::rgb;
use krilla::geom::{PathBuilder, Point};
use krilla::metadata::Metadata;
use krilla::num::NormalizedF32;
use krilla::page::PageSettings;
use krilla::paint::{Fill, Stroke};
use krilla::text::{Font, TextDirection};

/// Why a document could not be printed.
#[derive(Debug, thiserror::Error)]
pub enum PdfError {
    /// The font file is not a font, or lacks Chinese glyphs.
    #[error("字体不可用：{0} / the font cannot be used: {0}")]
    Font(String),
    /// The PDF writer refused.
    #[error("PDF 生成失败：{0} / the PDF could not be written: {0}")]
    Write(String),
}

/// Where Debian, Fedora and Alpine put the CJK fonts the platform can embed, in order.
pub const FONT_CANDIDATES: &[&str] = &[
    "/usr/share/fonts/truetype/wqy/wqy-microhei.ttc",
    "/usr/share/fonts/wqy-microhei/wqy-microhei.ttc",
    "/usr/share/fonts/opentype/noto/NotoSansCJK-Regular.ttc",
    "/usr/share/fonts/google-noto-cjk/NotoSansCJK-Regular.ttc",
    "/usr/share/fonts/noto-cjk/NotoSansCJK-Regular.ttc",
    "/usr/share/fonts/truetype/droid/DroidSansFallbackFull.ttf",
];

/// One block of a document, in reading order.
#[derive(Debug, Clone, PartialEq)]
pub enum Block {
    /// A section heading.
    Heading(String),
    /// Running text; line breaks in it are kept.
    Paragraph(String),
    /// Label–value pairs, two columns.
    Fields(Vec<(String, String)>),
    /// A table: column headings with relative widths, then rows of cells.
    Table {
        /// Headings and relative widths.
        columns: Vec<(String, f32)>,
        /// Cells, one vector a row.
        rows: Vec<Vec<String>>,
    },
    /// The rest starts on a new page.
    PageBreak,
}

/// A document to print.
#[derive(Debug, Clone, PartialEq)]
pub struct PrintDocument {
    /// The cover's title, and the PDF's.
    pub title: String,
    /// Lines under the title on the cover.
    pub cover: Vec<String>,
    /// The rest.
    pub blocks: Vec<Block>,
    /// Printed at the foot of every page, before the page number (e.g. the snapshot's hash).
    pub footer: String,
    /// `第 {} 页，共 {} 页` or `Page {} of {}`: the first `{}` is the page, the second the count.
    pub page_label: String,
}

/// A font ready to print with.
pub struct Printer {
    data: Arc<Vec<u8>>,
    index: u32,
    font: Font,
    units_per_em: f32,
}

impl std::fmt::Debug for Printer {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Printer").field("bytes", &self.data.len()).field("index", &self.index).finish()
    }
}

impl Printer {
    /// A printer with the font in `bytes` (a TrueType or OpenType file or collection;
    /// `index` picks the face). The font must have Chinese glyphs.
    pub fn new(bytes: Vec<u8>, index: u32) -> Result<Self, PdfError> {
        let data = Arc::new(bytes);
        let face = ttf_parser::Face::parse(&data, index).map_err(|e| PdfError::Font(e.to_string()))?;
        if "申报书".chars().any(|c| face.glyph_index(c).is_none()) {
            return Err(PdfError::Font("没有中文字形 / it has no Chinese glyphs".into()));
        }
        let units_per_em = f32::from(face.units_per_em());
        let font = Font::new(data.clone().into(), index).ok_or_else(|| PdfError::Font("krilla".into()))?;
        Ok(Self { data, index, font, units_per_em })
    }

    /// The first of [`FONT_CANDIDATES`] present on this machine.
    pub fn from_system() -> Result<Self, PdfError> {
        let path = FONT_CANDIDATES.iter().find(|p| std::path::Path::new(p).exists()).ok_or_else(|| {
            PdfError::Font(
                "本机没有中文字体：请安装 fonts-wqy-microhei 或 fonts-noto-cjk / no CJK font on this machine: install fonts-wqy-microhei or fonts-noto-cjk".into(),
            )
        })?;
        let bytes = std::fs::read(path).map_err(|e| PdfError::Font(format!("{path}: {e}")))?;
        Self::new(bytes, 0)
    }

    fn face(&self) -> Option<ttf_parser::Face<'_>> {
        ttf_parser::Face::parse(&self.data, self.index).ok()
    }

    /// One character's advance at `size` (0 for a character the font lacks).
    fn advance(&self, face: &ttf_parser::Face<'_>, c: char, size: f32) -> f32 {
        face.glyph_index(c).and_then(|g| face.glyph_hor_advance(g)).map_or(0.0, f32::from) * size / self.units_per_em
    }

    fn width(&self, text: &str, size: f32) -> f32 {
        let Some(face) = self.face() else { return 0.0 };
        text.chars().map(|c| self.advance(&face, c, size)).sum()
    }

    /// `text` broken into lines no wider than `width` at `size`: at any Chinese character,
    /// at spaces between Latin words, and inside a word only when it is wider than a line.
    fn wrap(&self, text: &str, size: f32, width: f32) -> Vec<String> {
        let Some(face) = self.face() else { return text.split('\n').map(str::to_owned).collect() };
        let mut lines = Vec::new();
        for paragraph in text.split('\n') {
            // The line so far and its width, one advance added per character.
            let (mut line, mut used) = (String::new(), 0.0);
            for c in paragraph.chars() {
                let advance = self.advance(&face, c, size);
                if used + advance <= width || line.is_empty() {
                    line.push(c);
                    used += advance;
                    continue;
                }
                // Carry a Latin word that would be cut over to the next line.
                let cut = if c.is_ascii_alphanumeric() { line.rfind(' ').filter(|&at| at > 0) } else { None };
                match cut {
                    Some(at) if line[at + 1..].chars().all(|c| c.is_ascii_alphanumeric() || c == '.') => {
                        let rest = line[at + 1..].to_owned();
                        line.truncate(at);
                        lines.push(std::mem::take(&mut line));
                        used = rest.chars().map(|c| self.advance(&face, c, size)).sum();
                        line = rest;
                    }
                    _ => {
                        lines.push(std::mem::take(&mut line));
                        used = 0.0;
                    }
                }
                line.push(c);
                used += advance;
            }
            lines.push(line);
        }
        lines
    }
}

const PAGE_W: f32 = 595.28;
const PAGE_H: f32 = 841.89;
const MARGIN: f32 = 56.0;
const BODY: f32 = 10.5;
const LEADING: f32 = 1.55;
const FOOTER_Y: f32 = PAGE_H - 30.0;

/// What one page shows, laid out before it is drawn (the page count goes in every footer).
#[derive(Default)]
struct PageOps {
    texts: Vec<(f32, f32, f32, String, bool)>,
    lines: Vec<(f32, f32, f32, f32)>,
}

struct Layout<'a> {
    printer: &'a Printer,
    pages: Vec<PageOps>,
    y: f32,
}

impl<'a> Layout<'a> {
    fn new(printer: &'a Printer) -> Self {
        Self { printer, pages: vec![PageOps::default()], y: MARGIN }
    }

    fn page(&mut self) -> &mut PageOps {
        self.pages.last_mut().expect("a page")
    }

    fn new_page(&mut self) {
        self.pages.push(PageOps::default());
        self.y = MARGIN;
    }

    /// Room for `height` more points, or a new page.
    fn room(&mut self, height: f32) {
        if self.y + height > FOOTER_Y - 20.0 && self.y > MARGIN {
            self.new_page();
        }
    }

    fn text(&mut self, x: f32, size: f32, text: &str, bold: bool) {
        let y = self.y + size;
        self.page().texts.push((x, y, size, text.to_owned(), bold));
    }

    fn lines(&mut self, text: &str, size: f32, x: f32, width: f32, bold: bool) {
        for line in self.printer.wrap(text, size, width) {
            self.room(size * LEADING);
            self.text(x, size, &line, bold);
            self.y += size * LEADING;
        }
    }

    fn table(&mut self, columns: &[(String, f32)], rows: &[Vec<String>]) {
        let total: f32 = columns.iter().map(|(_, w)| w.max(0.1)).sum();
        let widths: Vec<f32> = columns.iter().map(|(_, w)| w.max(0.1) / total * (PAGE_W - 2.0 * MARGIN)).collect();
        let header: Vec<String> = columns.iter().map(|(h, _)| h.clone()).collect();
        self.row(&widths, &header, true);
        for row in rows {
            let height = self.row_height(&widths, row);
            if self.y + height > FOOTER_Y - 20.0 {
                self.new_page();
                self.row(&widths, &header, true);
            }
            self.row(&widths, row, false);
        }
        self.y += BODY * 0.8;
    }

    fn row_height(&self, widths: &[f32], cells: &[String]) -> f32 {
        let lines =
            cells.iter().zip(widths).map(|(cell, w)| self.printer.wrap(cell, BODY, w - 8.0).len()).max().unwrap_or(1);
        lines as f32 * BODY * LEADING + 6.0
    }

    fn row(&mut self, widths: &[f32], cells: &[String], bold: bool) {
        let height = self.row_height(widths, cells);
        self.room(height);
        let top = self.y;
        let mut x = MARGIN;
        for (cell, w) in cells.iter().zip(widths) {
            let mut y = top + 3.0;
            for line in self.printer.wrap(cell, BODY, w - 8.0) {
                let page = self.pages.last_mut().expect("a page");
                page.texts.push((x + 4.0, y + BODY, BODY, line, bold));
                y += BODY * LEADING;
            }
            x += w;
        }
        let page = self.pages.last_mut().expect("a page");
        let right = MARGIN + widths.iter().sum::<f32>();
        page.lines.push((MARGIN, top, right, top));
        page.lines.push((MARGIN, top + height, right, top + height));
        let mut x = MARGIN;
        page.lines.push((x, top, x, top + height));
        for w in widths {
            x += w;
            page.lines.push((x, top, x, top + height));
        }
        self.y = top + height;
    }
}

/// Lays `document` out and writes it as PDF.
pub fn render(printer: &Printer, document: &PrintDocument) -> Result<Vec<u8>, PdfError> {
    let mut layout = Layout::new(printer);
    let width = PAGE_W - 2.0 * MARGIN;
    // The cover: the title and its lines in the upper third, centred.
    layout.y = PAGE_H * 0.28;
    for line in printer.wrap(&document.title, 24.0, width) {
        let x = (PAGE_W - printer.width(&line, 24.0)) / 2.0;
        layout.text(x, 24.0, &line, true);
        layout.y += 24.0 * 1.6;
    }
    layout.y += 40.0;
    for line in &document.cover {
        for wrapped in printer.wrap(line, 13.0, width) {
            let x = (PAGE_W - printer.width(&wrapped, 13.0)) / 2.0;
            layout.text(x, 13.0, &wrapped, false);
            layout.y += 13.0 * 2.0;
        }
    }
    layout.new_page();
    for block in &document.blocks {
        match block {
            Block::Heading(text) => {
                layout.room(14.0 * 4.0);
                layout.y += 8.0;
                layout.lines(text, 14.0, MARGIN, width, true);
                layout.y += 4.0;
            }
            Block::Paragraph(text) => {
                layout.lines(text, BODY, MARGIN, width, false);
                layout.y += BODY * 0.6;
            }
            Block::Fields(fields) => {
                let rows: Vec<Vec<String>> = fields.iter().map(|(k, v)| vec![k.clone(), v.clone()]).collect();
                let Some((first, rest)) = rows.split_first() else { continue };
                layout.table(&[(first[0].clone(), 1.0), (first[1].clone(), 3.0)], rest);
            }
            Block::Table { columns, rows } => layout.table(columns, rows),
            Block::PageBreak => layout.new_page(),
        }
    }
    draw(printer, document, layout.pages)
}

fn draw(printer: &Printer, document: &PrintDocument, pages: Vec<PageOps>) -> Result<Vec<u8>, PdfError> {
    let mut pdf = Document::new();
    pdf.set_metadata(Metadata::new().title(document.title.clone()).creator("jiebang".into()));
    let count = pages.len();
    let settings = PageSettings::from_wh(PAGE_W, PAGE_H).ok_or_else(|| PdfError::Write("page size".into()))?;
    let black = Fill { paint: rgb::Color::new(0, 0, 0).into(), opacity: NormalizedF32::ONE, rule: Default::default() };
    let grey = Fill { paint: rgb::Color::new(90, 90, 90).into(), ..black.clone() };
    for (number, ops) in pages.into_iter().enumerate() {
        let mut page = pdf.start_page_with(settings.clone());
        let mut surface = page.surface();
        surface.set_fill(Some(black.clone()));
        for (x, y, size, text, bold) in &ops.texts {
            // A faux bold: the glyphs filled and stroked (still text, so it reads back).
            if *bold {
                surface.set_stroke(Some(Stroke {
                    paint: rgb::Color::new(0, 0, 0).into(),
                    width: size * 0.03,
                    ..Default::default()
                }));
            }
            surface.draw_text(Point::from_xy(*x, *y), printer.font.clone(), *size, text, false, TextDirection::Auto);
            surface.set_stroke(None);
        }
        if !ops.lines.is_empty() {
            let mut path = PathBuilder::new();
            for (x1, y1, x2, y2) in &ops.lines {
                path.move_to(*x1, *y1);
                path.line_to(*x2, *y2);
            }
            if let Some(path) = path.finish() {
                surface.set_fill(None);
                surface.set_stroke(Some(Stroke {
                    paint: rgb::Color::new(120, 120, 120).into(),
                    width: 0.5,
                    ..Default::default()
                }));
                surface.draw_path(&path);
                surface.set_stroke(None);
            }
        }
        let label =
            document.page_label.replacen("{}", &(number + 1).to_string(), 1).replacen("{}", &count.to_string(), 1);
        surface.set_fill(Some(grey.clone()));
        let footer = format!("{}    {label}", document.footer);
        for (i, line) in printer.wrap(&footer, 7.5, PAGE_W - 2.0 * MARGIN).iter().enumerate() {
            let y = FOOTER_Y + i as f32 * 10.0;
            surface.draw_text(Point::from_xy(MARGIN, y), printer.font.clone(), 7.5, line, false, TextDirection::Auto);
        }
        surface.finish();
        page.finish();
    }
    pdf.finish().map_err(|e| PdfError::Write(format!("{e:?}")))
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The machine's CJK font: `scripts/test` installs it, and a missing one fails loudly.
    fn printer() -> Printer {
        Printer::from_system().expect("a CJK font (scripts/test installs fonts-wqy-microhei)")
    }

    /// The PDF as text, by poppler's pdftotext (an independent reader), pages split at form feeds.
    pub(crate) fn pdf_text(pdf: &[u8]) -> Vec<String> {
        let dir = std::env::temp_dir().join(format!("jiebang-pdf-{}-{}", std::process::id(), pdf.len()));
        std::fs::write(&dir, pdf).unwrap();
        let output = std::process::Command::new("pdftotext")
            .args(["-enc", "UTF-8", dir.to_str().unwrap(), "-"])
            .output()
            .expect("pdftotext (scripts/test installs poppler-utils)");
        std::fs::remove_file(&dir).ok();
        assert!(output.status.success(), "{}", String::from_utf8_lossy(&output.stderr));
        let text = String::from_utf8(output.stdout).unwrap();
        text.split('\u{c}').filter(|p| !p.trim().is_empty()).map(str::to_owned).collect()
    }

    #[test]
    fn a_font_without_chinese_is_refused_with_the_reason() {
        let err = Printer::new(b"not a font".to_vec(), 0).unwrap_err();
        assert!(err.to_string().contains("字体不可用"), "{err}");
    }

    #[test]
    fn lines_wrap_at_chinese_characters_and_between_latin_words() {
        let p = printer();
        let text = "面向化工行业的大模型研制与验证 with lightweight deployment";
        let lines = p.wrap(text, BODY, 120.0);
        assert!(lines.len() > 1, "{lines:?}");
        assert!(lines.iter().all(|l| p.width(l, BODY) <= 120.0), "{lines:?}");
        assert_eq!(lines.concat().replace(' ', ""), text.replace(' ', ""), "nothing lost");
        assert!(!lines.iter().any(|l| l.ends_with("lightw")), "a Latin word is not cut: {lines:?}");
    }

    #[test]
    fn a_long_document_reads_back_with_its_footer_on_every_page_and_its_font_embedded() {
        let rows: Vec<Vec<String>> =
            (1..=80).map(|i| vec![format!("指标{i}"), format!("≥{}", 0.5 + f64::from(i) / 1000.0)]).collect();
        let document = PrintDocument {
            title: "揭榜挂帅项目申报书".into(),
            cover: vec!["项目名称：云鼎化工行业大模型".into()],
            blocks: vec![
                Block::Heading("一、指标承诺".into()),
                Block::Table { columns: vec![("指标".into(), 2.0), ("目标".into(), 1.0)], rows },
                Block::Paragraph("面向化工安全生产的行业大模型，mixed with English words.".into()),
            ],
            footer: "快照 SHA-256 ab12cd".into(),
            page_label: "第 {} 页，共 {} 页".into(),
        };
        let pdf = render(&printer(), &document).unwrap();
        assert!(pdf.starts_with(b"%PDF-"));
        let pages = pdf_text(&pdf);
        assert!(pages.len() >= 3, "a cover and a table over two pages: {}", pages.len());
        assert!(pages[0].contains("揭榜挂帅项目申报书") && pages[0].contains("云鼎化工行业大模型"), "{}", pages[0]);
        for (i, page) in pages.iter().enumerate() {
            let label = format!("第 {} 页，共 {} 页", i + 1, pages.len());
            assert!(page.contains("快照 SHA-256 ab12cd") && page.contains(&label), "page {}: {page}", i + 1);
        }
        let all = pages.concat();
        assert!(all.contains("指标80") && all.contains("mixed with English words"), "{all}");
        assert!(pages[2].contains("指标") && pages[2].contains("目标"), "the header repeats on a new page");
        // The font travels with the file: a subset, so it stays small.
        let text = String::from_utf8_lossy(&pdf);
        assert!(text.contains("/FontFile2") || text.contains("/FontFile3"), "the font is embedded");
        assert!(pdf.len() < 400_000, "a subset, not the 5 MB font: {} bytes", pdf.len());
    }
}
