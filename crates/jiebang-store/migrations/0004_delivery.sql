-- Delivered models (交付模型): a challenge's delivery contract, and submissions that are models
-- the platform runs rather than prediction files.

-- One contract per challenge, as JSON (jiebang_core::delivery::DeliveryContract); a challenge
-- without one takes prediction files only.
CREATE TABLE delivery_contracts (
    challenge_id BIGINT PRIMARY KEY REFERENCES challenges(id) ON DELETE CASCADE,
    contract TEXT NOT NULL,
    updated_by BIGINT REFERENCES users(id),
    updated_at TEXT NOT NULL
);

-- `predictions` or `model`.
ALTER TABLE submissions ADD COLUMN kind TEXT NOT NULL DEFAULT 'predictions';
