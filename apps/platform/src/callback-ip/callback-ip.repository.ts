import { Injectable } from '@nestjs/common';
import { InjectRepository } from '@nestjs/typeorm';
import { Repository } from 'typeorm';
import { CallbackIpEntity } from './callback-ip.entity.js';

/** The last getcallbackip answer per component (wechat_callback_ip); this class is its writer. */
@Injectable()
export class CallbackIpRepository {
  constructor(
    @InjectRepository(CallbackIpEntity) private readonly rows: Repository<CallbackIpEntity>,
  ) {}

  /** Replaces the component's list with the one WeChat just gave. */
  async saveList(componentAppid: string, ipList: string[], fetchedAt: Date): Promise<void> {
    await this.rows.upsert({ componentAppid, ipList, fetchedAt }, ['componentAppid']);
  }

  /** Every component's last list. */
  lists(): Promise<CallbackIpEntity[]> {
    return this.rows.find({ order: { componentAppid: 'ASC' } });
  }
}
