import { Column, Entity, PrimaryColumn } from 'typeorm';

/**
 * WeChat's callback addresses (getcallbackip), as last fetched with each component's token
 * (migrations/1796275636924-CallbackIps.ts). Kept so that a restarted instance can check pushes
 * before its first fetch; the list is WeChat's, the same for every component, and changes.
 */
@Entity('wechat_callback_ip', {
  comment:
    "WeChat's push source addresses (getcallbackip), one row per component whose token fetched them; refreshed daily, read at start",
})
export class CallbackIpEntity {
  @PrimaryColumn({
    name: 'component_appid',
    type: 'text',
    primaryKeyConstraintName: 'wechat_callback_ip_pkey',
    comment: 'the component whose token fetched the list',
  })
  componentAppid!: string;
  @Column({
    name: 'ip_list',
    type: 'text',
    array: true,
    comment: 'the addresses getcallbackip listed (ip_list), as WeChat gave them',
  })
  ipList!: string[];
  @Column({ name: 'fetched_at', type: 'timestamptz', comment: 'when WeChat gave this list' })
  fetchedAt!: Date;
}
