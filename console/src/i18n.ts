/**
 * Chinese first, English on request: every label is written once as t('中文', 'English'). The language is
 * kept in session storage; switching re-renders the whole tree (App keys it on the language).
 */
export type Lang = 'zh' | 'en';

let lang: Lang = (typeof sessionStorage === 'undefined' ? null : (sessionStorage.getItem('relief-hub.lang') as Lang | null)) ?? 'zh';

export function currentLang(): Lang {
  return lang;
}

export function setLang(next: Lang): void {
  lang = next;
  sessionStorage.setItem('relief-hub.lang', next);
  document.documentElement.lang = next === 'zh' ? 'zh-CN' : 'en';
}

export function t(zh: string, en: string): string {
  return lang === 'en' ? en : zh;
}
