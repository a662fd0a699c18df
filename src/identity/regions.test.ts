import { describe, expect, it } from 'vitest';
import { cityOf, COUNTY_UNKNOWN, OUTSIDE_PROVINCE, reportCounty } from './regions.ts';

describe('regions', () => {
  it('rolls counties up to Hainan\'s prefecture-level units', () => {
    expect(cityOf('460106')).toBe('4601');
    expect(cityOf('460204')).toBe('4602');
    expect(cityOf('460321')).toBe('4603');
    expect(cityOf('460400')).toBe('4604');
    expect(cityOf('469030')).toBe('469030');
    expect(cityOf('469002')).toBe('469002');
  });

  it('reports retired Hainan codes as county unknown, keeping the city where it can be told', () => {
    expect(reportCounty('460102')).toBe(COUNTY_UNKNOWN);
    expect(cityOf('460102')).toBe('4601');
    expect(reportCounty('469003')).toBe(COUNTY_UNKNOWN);
    expect(cityOf('469003')).toBe('4604');
    expect(reportCounty('460001')).toBe(COUNTY_UNKNOWN);
    expect(cityOf('460001')).toBe(COUNTY_UNKNOWN);
  });

  it('reports codes outside Hainan as outside the province', () => {
    expect(reportCounty('440106')).toBe(OUTSIDE_PROVINCE);
    expect(cityOf('110101')).toBe(OUTSIDE_PROVINCE);
    expect(reportCounty(null)).toBe(COUNTY_UNKNOWN);
  });
});
