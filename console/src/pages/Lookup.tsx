/** A caseworker's lookup: one exact identity number and a purpose, then the person's page. */
import { useState } from 'react';
import { Alert, Button, Card, Form, Input, Spin } from 'antd';
import { request, HubError } from '../api.ts';
import { PersonViewDocument, type PersonViewQuery } from '../gql/generated.ts';
import { t } from '../i18n.ts';
import { applyPurpose, PurposeFields } from '../components.tsx';
import type { Claims } from '../session.ts';
import { PersonView } from './Person.tsx';

export type Person = NonNullable<PersonViewQuery['person']>;

/** 18 characters (17 digits and a digit or X) or the legacy 15 digits; spaces and full-width digits are the hub's to normalise. */
const ID_SHAPE = /^(\d{17}[\dXx]|\d{15})$/;

export function LookupPage({ claims }: { claims: Claims }) {
  const [person, setPerson] = useState<Person | null>(null);
  const [asked, setAsked] = useState<string | null>(null);
  const [loading, setLoading] = useState(false);
  const [error, setError] = useState<string | null>(null);

  /** A refresh (after recording aid) keeps the page in place, so the confirmation and the open tab stay. */
  async function load(idNumber: string, refresh = false) {
    if (!refresh) setLoading(true);
    setError(null);
    try {
      const d = await request(PersonViewDocument, { idNumber });
      setPerson(d.person ?? null);
      setAsked(idNumber);
    } catch (e) {
      setPerson(null);
      setAsked(null);
      setError(e instanceof HubError ? e.message : String(e));
    } finally {
      setLoading(false);
    }
  }

  return (
    <>
      <Card className="rh-noprint">
        <Form
          layout="inline"
          aria-label={t('按身份证号查询', 'Look up by identity number')}
          onFinish={(v: { idNumber: string; purposeChoice?: string; purposeText?: string }) => {
            applyPurpose(v);
            void load(v.idNumber.trim());
          }}
        >
          <Form.Item
            name="idNumber"
            label={t('身份证号', 'Identity number')}
            normalize={(v: string) => v.replace(/[０-９Ｘｘ]/g, (c) => String.fromCharCode(c.charCodeAt(0) - 0xfee0)).replace(/\s+/g, '')}
            rules={[
              { required: true, message: t('请输入完整的18位身份证号。', 'Enter the full 18-character identity number.') },
              { pattern: ID_SHAPE, message: t('身份证号应为18位（最后一位可以是X），只能按完整号码查询。', 'An identity number has 18 characters (the last may be X); only exact numbers are looked up.') },
            ]}
          >
            <Input style={{ width: 220 }} maxLength={24} autoComplete="off" placeholder="460105………………" />
          </Form.Item>
          <PurposeFields />
          <Button type="primary" htmlType="submit" loading={loading}>
            {t('查询', 'Look up')}
          </Button>
        </Form>
        <div className="rh-explain" style={{ marginTop: 8 }}>
          {t(
            '只能按完整身份证号查询一个人；每次查询都会连同用途记入访问日志。',
            'Only an exact identity number finds a person; every lookup is logged with its purpose.',
          )}
        </div>
      </Card>
      {error && <Alert type="error" showIcon message={error} role="alert" />}
      {loading && <Spin />}
      {!loading && asked && !person && (
        <Alert type="warning" showIcon role="status" message={t('平台中没有这个身份证号的人员记录。', 'The hub has no person with this identity number.')} />
      )}
      {!loading && person && asked && <PersonView person={person} claims={claims} idNumber={asked} onChanged={() => void load(asked, true)} />}
    </>
  );
}
