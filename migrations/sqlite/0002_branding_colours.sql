-- Brand colours learnt by discovery and from images (see the Postgres file).
ALTER TABLE domains ADD COLUMN brand_color TEXT
    CHECK (brand_color IS NULL OR (length(brand_color) = 7
           AND brand_color GLOB '#[0-9A-F][0-9A-F][0-9A-F][0-9A-F][0-9A-F][0-9A-F]'));
ALTER TABLE assets ADD COLUMN dominant_color TEXT
    CHECK (dominant_color IS NULL OR (length(dominant_color) = 7
           AND dominant_color GLOB '#[0-9A-F][0-9A-F][0-9A-F][0-9A-F][0-9A-F][0-9A-F]'));
