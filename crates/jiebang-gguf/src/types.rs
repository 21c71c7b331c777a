//! ggml's tensor types: their names and block layouts (elements per block, bytes per block), as
//! ggml's `type_traits` table gives them.

/// A ggml tensor type, by its number in the file.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct TensorType(pub u32);

/// (number, name, elements per block, bytes per block).
const TYPES: &[(u32, &str, u64, u64)] = &[
    (0, "F32", 1, 4),
    (1, "F16", 1, 2),
    (2, "Q4_0", 32, 18),
    (3, "Q4_1", 32, 20),
    (6, "Q5_0", 32, 22),
    (7, "Q5_1", 32, 24),
    (8, "Q8_0", 32, 34),
    (9, "Q8_1", 32, 36),
    (10, "Q2_K", 256, 84),
    (11, "Q3_K", 256, 110),
    (12, "Q4_K", 256, 144),
    (13, "Q5_K", 256, 176),
    (14, "Q6_K", 256, 210),
    (15, "Q8_K", 256, 292),
    (16, "IQ2_XXS", 256, 66),
    (17, "IQ2_XS", 256, 74),
    (18, "IQ3_XXS", 256, 98),
    (19, "IQ1_S", 256, 50),
    (20, "IQ4_NL", 32, 18),
    (21, "IQ3_S", 256, 110),
    (22, "IQ2_S", 256, 82),
    (23, "IQ4_XS", 256, 136),
    (24, "I8", 1, 1),
    (25, "I16", 1, 2),
    (26, "I32", 1, 4),
    (27, "I64", 1, 8),
    (28, "F64", 1, 8),
    (29, "IQ1_M", 256, 56),
    (30, "BF16", 1, 2),
    (34, "TQ1_0", 256, 54),
    (35, "TQ2_0", 256, 66),
];

impl TensorType {
    /// The types candle's quantized models run (the built-in runner).
    pub const BUILT_IN: &[TensorType] = &[
        TensorType(0),
        TensorType(1),
        TensorType(2),
        TensorType(3),
        TensorType(6),
        TensorType(7),
        TensorType(8),
        TensorType(9),
        TensorType(10),
        TensorType(11),
        TensorType(12),
        TensorType(13),
        TensorType(14),
        TensorType(15),
        TensorType(30),
    ];

    fn entry(self) -> Option<&'static (u32, &'static str, u64, u64)> {
        TYPES.iter().find(|t| t.0 == self.0)
    }

    /// Its name, e.g. `Q4_K`; `unknown` for a number ggml does not define.
    pub fn name(self) -> &'static str {
        self.entry().map_or("unknown", |t| t.1)
    }

    /// Elements per block and bytes per block.
    pub fn block(self) -> Option<(u64, u64)> {
        self.entry().map(|t| (t.2, t.3))
    }
}
