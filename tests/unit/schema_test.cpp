// placeholder until the schema suite lands
