-- Brand colours learnt by discovery and from images.

-- The colour discovery settled on for the domain's tenant: Entra's background colour when set, else
-- the dominant colour of the logo we show. NULL: no colour known (the page uses our default).
ALTER TABLE domains ADD COLUMN brand_color TEXT
    CHECK (brand_color IS NULL OR brand_color ~ '^#[0-9A-F]{6}$');

-- The most common non-neutral colour of an image (same for every format of it).
ALTER TABLE assets ADD COLUMN dominant_color TEXT
    CHECK (dominant_color IS NULL OR dominant_color ~ '^#[0-9A-F]{6}$');
